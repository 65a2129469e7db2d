import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { InfisicalK8sError } from '../errors/error.js';

/** What core keeps of a service-account token: claims for error hints, never the token. */
export interface TokenClaims {
  namespace: string | undefined;
  serviceAccount: string | undefined;
  audiences: string[];
  expiresAt: number | undefined;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function decodeClaims(jwt: string): TokenClaims {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const k8s = (payload['kubernetes.io'] ?? {}) as { namespace?: string; serviceaccount?: { name?: string } };
    const sub = typeof payload.sub === 'string' ? payload.sub.split(':') : [];
    const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud.map(String) : [String(payload.aud)];
    return {
      namespace: k8s.namespace ?? sub[2],
      serviceAccount: k8s.serviceaccount?.name ?? sub[3],
      audiences: aud,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  } catch {
    return { namespace: undefined, serviceAccount: undefined, audiences: [], expiresAt: undefined };
  }
}

/**
 * Reads the projected token now (the kubelet rotates it; a stale copy is how other clients loop on
 * failed logins). The caller uses the JWT for one login and drops it.
 */
export async function readServiceAccountToken(path: string): Promise<{ jwt: string; claims: TokenClaims }> {
  const mount = `mount a projected serviceAccountToken volume at ${dirname(path)} with path: ${basename(path)}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new InfisicalK8sError('TOKEN_FILE_INVALID', `${path} is a folder, not the service-account token file: point tokenPath at the token file in it.`, { cause: error });
    throw new InfisicalK8sError('TOKEN_FILE_MISSING', `The service-account token file ${path} cannot be read (${code ?? 'error'}): ${mount}, or set kubernetesAuth.tokenPath.`, { cause: error });
  }
  const jwt = text.trim();
  if (jwt.length === 0) throw new InfisicalK8sError('TOKEN_FILE_MISSING', `The service-account token file ${path} is empty: ${mount} (the kubelet writes it).`);
  if (!JWT.test(jwt)) throw new InfisicalK8sError('TOKEN_FILE_INVALID', `The file ${path} does not hold a JWT (expected three base64url parts).`);
  return { jwt, claims: decodeClaims(jwt) };
}

/** A digest of the file's content, to notice rotation without keeping the token. */
export async function tokenFileDigest(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex');
  } catch {
    return undefined;
  }
}
