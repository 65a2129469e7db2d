import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '@infisical-k8s/emulator';

/** A clock the test moves by hand. */
export class ManualClock {
  t: number;
  constructor(start = Date.UTC(2026, 5, 1)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // Tests read arbitrary JSON shapes.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
  /** PEM to trust for https URLs. */
  ca?: string;
}

/** One request over loopback with its own socket (no keep-alive agent left behind). */
export function request(method: string, url: string, options: CallOptions = {}): Promise<Answer> {
  const target = new URL(url);
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method,
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Calls the emulated Infisical (trusting the emulator CA when it serves TLS). */
export const infisical = (emu: Emulator, method: string, path: string, options: CallOptions = {}) =>
  request(method, `${emu.infisicalUrl}${path}`, { ca: emu.caCert, ...options });

/** Calls the emulated Kubernetes API server. */
export const kube = (emu: Emulator, method: string, path: string, options: CallOptions = {}) =>
  request(method, `${emu.kubernetes.host}${path}`, { ca: emu.caCert, ...options });

/** Decodes a JWT's claims (no verification: the tests check what the server put in). */
export function claims(jwt: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

export function header(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

/**
 * The audience a login can use on this server generation, as `provision()` chooses it: a 2024 server sends no
 * `spec.audiences`, so the API server checks its own and only `''` (or the API audience) can ever be allowed.
 */
export const defaultAllowedAudience = (emu: Emulator): string => (emu.generation === '2024' ? '' : 'infisical');

/** A service-account JWT the login can accept: for `infisical` on current servers, for the API server's audiences on 2024 ones. */
export const loginJwt = (emu: Emulator): string =>
  emu.generation === '2024' ? emu.kubernetes.issueToken({ audience: emu.kubernetes.apiAudiences }) : emu.kubernetes.issueToken();

/** Attach body with the seed's settings (the audience as the generation needs it), overridable. */
export function attachBody(emu: Emulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kubernetesHost: emu.kubernetes.host,
    caCert: emu.kubernetes.caCert,
    tokenReviewerJwt: emu.kubernetes.tokenReviewerJwt,
    allowedNamespaces: 'default,production',
    allowedNames: 'infisical-auth',
    allowedAudience: defaultAllowedAudience(emu),
    accessTokenTTL: 3600,
    accessTokenMaxTTL: 7200,
    ...overrides,
  };
}

/** An identity created through the admin API; optionally with Kubernetes Auth attached and a project it reads. */
export async function createIdentity(emu: Emulator, name = 'app'): Promise<string> {
  const res = await infisical(emu, 'POST', '/api/v1/identities', { token: emu.admin.accessToken, body: { name, organizationId: emu.organizationId } });
  if (res.status !== 200) throw new Error(`create identity: ${res.status} ${res.text}`);
  return res.body.identity.id as string;
}

export interface App {
  identityId: string;
  projectId: string;
}

export async function setUpApp(emu: Emulator, attach: Record<string, unknown> = {}, role = 'viewer'): Promise<App> {
  const identityId = await createIdentity(emu);
  const res = await infisical(emu, 'POST', `/api/v1/auth/kubernetes-auth/identities/${identityId}`, { token: emu.admin.accessToken, body: attachBody(emu, attach) });
  if (res.status !== 200) throw new Error(`attach: ${res.status} ${res.text}`);
  const project = emu.createProject({ name: 'app' });
  emu.addIdentityToProject(project.id, identityId, role);
  return { identityId, projectId: project.id };
}

export function login(emu: Emulator, identityId: string, jwt: string, headers: Record<string, string> = {}) {
  return infisical(emu, 'POST', '/api/v1/auth/kubernetes-auth/login', { body: { identityId, jwt }, headers });
}

export async function accessToken(emu: Emulator, identityId: string, jwt = loginJwt(emu)): Promise<string> {
  const res = await login(emu, identityId, jwt);
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  return res.body.accessToken as string;
}

/** A temp folder removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'emulator-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
