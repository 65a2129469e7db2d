import { randomUUID } from 'node:crypto';
import { DynamicSecretsState } from './dynamic-secrets-state.js';

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
  /** Epoch ms of the lineage's first issue: classic renewal compares in milliseconds. */
  createdAtMs: number;
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
  /** Tag slugs (the project's tags; see `InfisicalState.tags`). */
  tags: string[];
  metadata: Array<{ key: string; value: string }>;
  skipMultilineEncoding: boolean;
  /** Every earlier version, oldest first, for reads with `version`. */
  history: Array<{ version: number; value: string; comment: string; updatedAt: string }>;
}

export interface TagRecord {
  id: string;
  slug: string;
  name: string;
  color: string;
}

export interface FolderRecord {
  id: string;
  name: string;
  /** What `POST /api/v1/folders` was given (current servers store it; null for folders made on the way). */
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectRecord {
  id: string;
  name: string;
  slug: string;
  orgId: string;
  environments: Array<{ id: string; name: string; slug: string; position: number; createdAt: string; updatedAt: string }>;
  /** identityId -> role */
  members: Map<string, string>;
  createdAt: string;
  updatedAt: string;
  description: string | null;
  type: string;
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

/** Universal Auth of one identity, by client ID: its client secrets and the limits of the tokens a login issues. */
export interface UniversalAuthRecord {
  identityId: string;
  /** The seeded administrator's secret. */
  clientSecret?: string;
  /** Secrets created through `POST .../client-secrets`. */
  clientSecrets?: string[];
  /** Seconds; absent = the server default (30 days). */
  accessTokenTTL?: number;
  accessTokenMaxTTL?: number;
  accessTokenNumUsesLimit?: number;
}

/** Everything the emulated Infisical knows, in memory. */
export class InfisicalState {
  readonly organizationId = randomUUID();
  readonly identities = new Map<string, IdentityRecord>();
  readonly universalAuth = new Map<string, UniversalAuthRecord>();
  readonly kubernetesAuth = new Map<string, KubernetesAuthRecord>();
  readonly tokens = new Map<string, AccessTokenRecord>();
  readonly projects = new Map<string, ProjectRecord>();
  /** `${projectId}|${env}|${path}` -> key -> secret */
  readonly folders = new Map<string, Map<string, SecretRecord>>();
  readonly imports = new Map<string, ImportRecord[]>();
  /** Folder ids and dates, by folder key. */
  readonly folderRecords = new Map<string, FolderRecord>();
  /** projectId -> slug -> tag */
  readonly tags = new Map<string, Map<string, TagRecord>>();
  /** Deleted identities: their tokens still verify as JWTs but are refused as revoked. */
  readonly deletedIdentities = new Map<string, IdentityRecord>();
  /** `${identityId}:${jti}` of kubernetes-auth tokens revoked with the auth method. */
  readonly revokedAuthMethods = new Set<string>();
  /** Dynamic secrets and their leases. */
  readonly dynamicSecrets = new DynamicSecretsState();

  folderKey(projectId: string, environment: string, path: string): string {
    return `${projectId}|${environment}|${normalizePath(path)}`;
  }

  folder(projectId: string, environment: string, path: string, create = false, now = new Date().toISOString()): Map<string, SecretRecord> | undefined {
    const key = this.folderKey(projectId, environment, path);
    let folder = this.folders.get(key);
    if (!folder && create) {
      // Parent folders exist implicitly, as in Infisical's folder tree.
      const segments = normalizePath(path).split('/').filter(Boolean);
      for (let i = 0; i <= segments.length; i++) {
        const at = this.folderKey(projectId, environment, `/${segments.slice(0, i).join('/')}`);
        if (this.folders.has(at)) continue;
        this.folders.set(at, new Map());
        this.folderRecords.set(at, { id: randomUUID(), name: i === 0 ? 'root' : segments[i - 1]!, description: null, createdAt: now, updatedAt: now });
      }
      folder = this.folders.get(key);
    }
    return folder;
  }

  /** The folder's id and dates (created with the folder). */
  folderRecord(projectId: string, environment: string, path: string): FolderRecord | undefined {
    return this.folderRecords.get(this.folderKey(projectId, environment, path));
  }

  /** The project's tag with this slug, created on first use. */
  tag(projectId: string, slug: string): TagRecord {
    let tags = this.tags.get(projectId);
    if (!tags) this.tags.set(projectId, (tags = new Map()));
    let tag = tags.get(slug);
    if (!tag) tags.set(slug, (tag = { id: randomUUID(), slug, name: slug, color: '#bec2c8' }));
    return tag;
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
