import { mkdtemp } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from './emulator.js';
import { EmulatorError } from './errors.js';
import type { IssueTokenOptions } from './kubernetes/issuer.js';
import type { ProjectedToken } from './kubernetes/projected-token.js';

/**
 * What `provision()` sets up; every field has a default matching the seed's manifests.
 *
 * @example
 * const app = await provision(emu, { secrets: { A: 'a' }, allowedNamespaces: 'team-*', accessTokenNumUsesLimit: 5 });
 */
export interface ProvisionOptions {
  /** Secrets of the `environment` at `secretPath`. */
  secrets?: Record<string, string>;
  environment?: string;
  secretPath?: string;
  allowedNamespaces?: string;
  allowedNames?: string;
  /**
   * Default `infisical` on generation `current`; `''` on generation `2024`, whose server sends no
   * `spec.audiences` in its TokenReview, so a real cluster only authenticates tokens for the API server's own
   * audiences and the server then compares `allowedAudience` with those. With `''` the projected token is minted
   * for the API server's own audiences, as a cluster's default token is.
   */
  allowedAudience?: string;
  accessTokenTTL?: number;
  accessTokenMaxTTL?: number;
  accessTokenNumUsesLimit?: number;
  accessTokenTrustedIps?: Array<{ ipAddress: string }>;
  /** Project role of the identity; default `viewer`. */
  role?: string;
  /** The projected token's folder; default a new temp folder. */
  tokenDir?: string;
  /** The projected token's claims. */
  token?: IssueTokenOptions;
  /**
   * Also attach Universal Auth (same TTL, max TTL and use limit) and create a client secret: the result's
   * `universalAuth` and the env's `INFISICAL_UNIVERSAL_AUTH_CLIENT_ID` / `_SECRET`. Default false.
   */
  universalAuth?: boolean;
}

/**
 * A machine identity with Kubernetes Auth, a project it can read, and a projected token on disk.
 *
 * @example
 * const app: Provisioned = await provision(emu);
 * const child = spawn('node', ['server.js'], { env: { ...process.env, ...app.env } });
 */
export interface Provisioned {
  identityId: string;
  projectId: string;
  environment: string;
  secretPath: string;
  projected: ProjectedToken;
  /** With `universalAuth: true`: the identity's Universal Auth credentials. */
  universalAuth?: { clientId: string; clientSecret: string };
  /** The environment variables an app needs (INFISICAL_SITE_URL, INFISICAL_KUBERNETES_IDENTITY_ID, ...). */
  env: Record<string, string>;
}

/** An admin call over node:http(s), trusting the emulator's own CA when Infisical is served over TLS. */
function call<T>(emu: Emulator, method: string, path: string, body: unknown): Promise<T> {
  const url = new URL(path, emu.infisicalUrl);
  const payload = JSON.stringify(body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<T>((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        ca: emu.caCert,
        headers: { authorization: `Bearer ${emu.admin.accessToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let json: T & { message?: unknown; error?: unknown };
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof json;
          } catch (cause) {
            reject(new EmulatorError('PROVISION_FAILED', `provision: ${method} ${path} answered ${res.statusCode} with a body that is not JSON`, { cause }));
            return;
          }
          // Only the server's error name and message: never echo a body that could hold a token.
          if ((res.statusCode ?? 500) >= 300) reject(new EmulatorError('PROVISION_FAILED', `provision: ${method} ${path} answered ${res.statusCode} ${String(json.error)}: ${JSON.stringify(json.message)}`));
          else resolve(json);
        });
      },
    );
    req.on('error', (cause) => reject(new EmulatorError('PROVISION_FAILED', `provision: ${method} ${path} failed: ${cause.message}`, { cause })));
    req.end(payload);
  });
}

/**
 * Provisions the emulator the way an administrator would through the API (so attach really probes the
 * emulated cluster): an identity, Kubernetes Auth attached with the seed's restrictions, a project the
 * identity can read, secrets, and a projected token written like the kubelet does.
 *
 * @example
 * const emu = await startEmulator();
 * const app = await provision(emu, { secrets: { GREETING: 'hello' } });
 * const config = createInfisicalConfig({ siteUrl: emu.infisicalUrl, kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
 *   secrets: { projectId: app.projectId, environment: app.environment } });
 */
export async function provision(emu: Emulator, options: ProvisionOptions = {}): Promise<Provisioned> {
  const environment = options.environment ?? 'prod';
  // A 2024 server reviews without spec.audiences, so against a real API server only its own audiences can log in.
  const allowedAudience = options.allowedAudience ?? (emu.generation === '2024' ? '' : 'infisical');
  const secretPath = options.secretPath ?? '/';
  const { identity } = await call<{ identity: { id: string } }>(emu, 'POST', '/api/v1/identities', {
    name: `app-${Math.random().toString(36).slice(2, 8)}`,
    organizationId: emu.organizationId,
  });
  await call(emu, 'POST', `/api/v1/auth/kubernetes-auth/identities/${identity.id}`, {
    kubernetesHost: emu.kubernetes.host,
    caCert: emu.kubernetes.caCert,
    tokenReviewerJwt: emu.kubernetes.tokenReviewerJwt,
    allowedNamespaces: options.allowedNamespaces ?? 'default,production',
    allowedNames: options.allowedNames ?? 'infisical-auth',
    allowedAudience,
    accessTokenTTL: options.accessTokenTTL ?? 3600,
    accessTokenMaxTTL: options.accessTokenMaxTTL ?? 86_400,
    accessTokenNumUsesLimit: options.accessTokenNumUsesLimit ?? 0,
    accessTokenTrustedIps: options.accessTokenTrustedIps ?? [{ ipAddress: '0.0.0.0/0' }, { ipAddress: '::/0' }],
  });
  const universalAuth = options.universalAuth ? await attachUniversalAuth(emu, identity.id, options) : undefined;
  const project = emu.createProject({ name: 'app' });
  emu.addIdentityToProject(project.id, identity.id, options.role ?? 'viewer');
  if (options.secrets) emu.setSecrets(project.id, environment, options.secrets, secretPath);
  const dir = options.tokenDir ?? (await mkdtemp(join(tmpdir(), 'infisical-k8s-token-')));
  // A review without audiences checks the API server's own, so only a token for them can pass.
  const token = allowedAudience === '' && options.token?.audience === undefined ? { ...options.token, audience: emu.kubernetes.apiAudiences } : options.token;
  const projected = await emu.writeProjectedToken(dir, token);
  return {
    identityId: identity.id,
    projectId: project.id,
    environment,
    secretPath,
    projected,
    env: {
      INFISICAL_SITE_URL: emu.infisicalUrl,
      INFISICAL_KUBERNETES_IDENTITY_ID: identity.id,
      INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH: projected.path,
      INFISICAL_PROJECT_ID: project.id,
      INFISICAL_ENVIRONMENT: environment,
      INFISICAL_SECRET_PATH: secretPath,
      ...(universalAuth ? { INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: universalAuth.clientId, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: universalAuth.clientSecret } : {}),
    },
    ...(universalAuth ? { universalAuth } : {}),
  };
}

/** Universal Auth with the Kubernetes Auth's limits, and one client secret, through the admin API. */
async function attachUniversalAuth(emu: Emulator, identityId: string, options: ProvisionOptions): Promise<{ clientId: string; clientSecret: string }> {
  const { identityUniversalAuth } = await call<{ identityUniversalAuth: { clientId: string } }>(emu, 'POST', `/api/v1/auth/universal-auth/identities/${identityId}`, {
    accessTokenTTL: options.accessTokenTTL ?? 3600,
    accessTokenMaxTTL: options.accessTokenMaxTTL ?? 86_400,
    accessTokenNumUsesLimit: options.accessTokenNumUsesLimit ?? 0,
  });
  const { clientSecret } = await call<{ clientSecret: string }>(emu, 'POST', `/api/v1/auth/universal-auth/identities/${identityId}/client-secrets`, { description: 'provisioned' });
  return { clientId: identityUniversalAuth.clientId, clientSecret };
}
