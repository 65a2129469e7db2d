import { randomUUID } from 'node:crypto';

export interface IdentityRecord {
  id: string;
  /** Id of the identity's organization membership (what `GET /api/v1/identities/:id` calls `id`). */
  membershipId: string;
  name: string;
  orgId: string;
  role: string;
  hasDeleteProtection: boolean;
  metadata: Array<{ id: string; key: string; value: string }>;
  authMethods: string[];
  createdAt: string;
  updatedAt: string;
}

export interface StoredTrustedIp {
  ipAddress: string;
  type: 'ipv4' | 'ipv6';
  prefix?: number;
}

export interface KubernetesAuthRecord {
  id: string;
  identityId: string;
  kubernetesHost: string | null;
  caCert: string;
  tokenReviewerJwt: string;
  tokenReviewMode: 'api' | 'gateway';
  gatewayId: string | null;
  allowedNamespaces: string;
  allowedNames: string;
  allowedAudience: string;
  accessTokenTTL: number;
  accessTokenMaxTTL: number;
  accessTokenNumUsesLimit: number;
  accessTokenTrustedIps: StoredTrustedIp[];
  createdAt: string;
  updatedAt: string;
}

export interface AccessTokenRecord {
  jti: string;
  identityId: string;
  authMethod: 'kubernetes-auth' | 'universal-auth';
  /** Seconds: issue time of the first token of this lineage (renewals keep it). */
  creationEpoch: number;
  ttl: number;
  maxTtl: number;
  numUsesLimit: number;
  uses: number;
  revoked: boolean;
}

export interface SecretRecord {
  id: string;
  key: string;
  value: string;
  comment: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectRecord {
  id: string;
  name: string;
  slug: string;
  orgId: string;
  environments: Array<{ id: string; name: string; slug: string }>;
  /** identityId -> role */
  members: Map<string, string>;
  createdAt: string;
}

export interface ImportRecord {
  id: string;
  environment: string;
  path: string;
}

export const normalizePath = (path: string | null | undefined): string => {
  const trimmed = (path ?? '/').trim() || '/';
  const withSlash = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, '') : withSlash;
};

/** Everything the emulated Infisical knows, in memory. */
export class InfisicalState {
  readonly organizationId = randomUUID();
  readonly identities = new Map<string, IdentityRecord>();
  readonly universalAuth = new Map<string, { identityId: string; clientSecret: string }>();
  readonly kubernetesAuth = new Map<string, KubernetesAuthRecord>();
  readonly tokens = new Map<string, AccessTokenRecord>();
  readonly projects = new Map<string, ProjectRecord>();
  /** `${projectId}|${env}|${path}` -> key -> secret */
  readonly folders = new Map<string, Map<string, SecretRecord>>();
  readonly imports = new Map<string, ImportRecord[]>();
  /** Deleted identities: their tokens still verify as JWTs but are refused as revoked. */
  readonly deletedIdentities = new Map<string, IdentityRecord>();
  /** `${identityId}:${jti}` of kubernetes-auth tokens revoked with the auth method. */
  readonly revokedAuthMethods = new Set<string>();

  folderKey(projectId: string, environment: string, path: string): string {
    return `${projectId}|${environment}|${normalizePath(path)}`;
  }

  folder(projectId: string, environment: string, path: string, create = false): Map<string, SecretRecord> | undefined {
    const key = this.folderKey(projectId, environment, path);
    let folder = this.folders.get(key);
    if (!folder && create) {
      folder = new Map();
      this.folders.set(key, folder);
      // Parent folders exist implicitly, as in Infisical's folder tree.
      const segments = normalizePath(path).split('/').filter(Boolean);
      for (let i = 0; i < segments.length; i++) {
        const parent = this.folderKey(projectId, environment, `/${segments.slice(0, i).join('/')}`);
        if (!this.folders.has(parent)) this.folders.set(parent, new Map());
      }
    }
    return folder;
  }

  /** Folder paths at or below `path` in an environment. */
  foldersUnder(projectId: string, environment: string, path: string): string[] {
    const base = normalizePath(path);
    const prefix = `${projectId}|${environment}|`;
    const paths: string[] = [];
    for (const key of this.folders.keys()) {
      if (!key.startsWith(prefix)) continue;
      const folderPath = key.slice(prefix.length);
      if (folderPath === base || base === '/' || folderPath.startsWith(`${base}/`)) paths.push(folderPath);
    }
    return paths.toSorted();
  }
}
