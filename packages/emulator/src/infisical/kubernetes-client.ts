import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { fail } from './errors.js';

export interface KubernetesCall {
  host: string;
  caCert: string;
  method: 'GET' | 'POST';
  path: string;
  bearer?: string | undefined;
  body?: unknown;
  timeoutMs?: number;
}

export interface KubernetesAnswer {
  status: number;
  statusText: string;
  body: unknown;
}

/** Current servers prepend https:// to a stored host without a scheme. */
export function withScheme(host: string): string {
  return /^https?:\/\//i.test(host) ? host : `https://${host}`;
}

const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ERR_TLS/;

function callUrl(call: KubernetesCall): URL {
  const base = withScheme(call.host);
  try {
    const url = new URL(call.path, base.endsWith('/') ? base : `${base}/`);
    url.pathname = `${new URL(base).pathname.replace(/\/$/, '')}${call.path}`;
    return url;
  } catch {
    fail(400, `Failed to communicate with Kubernetes API server at ${call.host}: Invalid URL`, 'KubernetesConnectionError');
  }
}

function requestOptions(call: KubernetesCall, url: URL, payload: string | undefined) {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return {
    method: call.method,
    headers: {
      ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
      ...(call.bearer ? { authorization: `Bearer ${call.bearer}` } : {}),
    },
    ...(url.protocol === 'https:'
      ? {
          ca: call.caCert || undefined,
          rejectUnauthorized: Boolean(call.caCert),
          servername: isIP(hostname) ? undefined : hostname,
        }
      : {}),
  };
}

/** Collects an answer of at most 64 KiB, as the server's axios does; JSON when it parses, else the text. */
function readAnswer(res: IncomingMessage, failWith: (error: NodeJS.ErrnoException) => void, abort: () => void, done: (answer: KubernetesAnswer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  // Destroying the request after the answer has begun reports on the response, not the request.
  res.on('error', failWith);
  res.on('close', () => {
    if (!res.complete) failWith(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  });
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > 64 * 1024) {
      failWith(new Error('maxContentLength size of 65536 exceeded'));
      abort();
      return;
    }
    chunks.push(chunk);
  });
  res.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep text
    }
    done({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body });
  });
}

/**
 * One HTTP call to the cluster, with the server's TLS rule (no CA: TLS not verified) and its
 * error table (§2 of the contract): transport failures become 400s named after the cause.
 */
export function callKubernetes(call: KubernetesCall): Promise<KubernetesAnswer> {
  const url = callUrl(call);
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  return new Promise((resolve, reject) => {
    let settled = false;
    const failWith = (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      try {
        mapTransportError(call.host, error);
      } catch (mapped) {
        reject(mapped);
      }
    };
    const succeed = (answer: KubernetesAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = requester(url, requestOptions(call, url, payload), (res) => readAnswer(res, failWith, () => req.destroy(), succeed));
    // A deadline for the whole exchange, as axios' `timeout` is (not an idle-socket timeout).
    const timeoutMs = call.timeoutMs ?? 10_000;
    const deadline = setTimeout(() => {
      failWith(Object.assign(new Error(`timeout of ${timeoutMs}ms exceeded`), { code: 'ECONNABORTED' }));
      req.destroy();
    }, timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', failWith);
    if (payload) req.write(payload);
    req.end();
  });
}

/** The server's error table for transport failures (§2): always throws. */
function mapTransportError(host: string, error: NodeJS.ErrnoException): never {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') {
    fail(400, `Failed to connect to Kubernetes API server at ${host}: Connection refused. Verify the Kubernetes host URL and that the API server is reachable.`, 'KubernetesConnectionRefused');
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    fail(400, `Failed to resolve Kubernetes API server hostname: ${host}. Verify the Kubernetes host URL.`, 'KubernetesHostNotFound');
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    fail(400, `Connection to Kubernetes API server at ${host} timed out. Verify network connectivity to the API server.`, 'KubernetesConnectionTimeout');
  }
  if (CERT_CODES.test(code)) {
    fail(400, `SSL certificate verification failed for Kubernetes API server at ${host}. Verify the CA certificate is correct.`, 'KubernetesCertificateError');
  }
  fail(400, `Failed to communicate with Kubernetes API server at ${host}: ${error.message}`, 'KubernetesConnectionError');
}

function kubernetesMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  if (typeof body === 'string' && body.trim()) return body;
  return undefined;
}

/** Maps a non-2xx TokenReview answer to the server's error (§2 table). */
export function failOnKubernetesStatus(answer: KubernetesAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const message = kubernetesMessage(answer.body);
  if (answer.status === 401) {
    fail(401, message ?? 'Token reviewer JWT is invalid or expired. Please verify the token reviewer JWT is correct and has not expired.', 'KubernetesTokenReviewerUnauthorized');
  }
  if (answer.status === 403) {
    fail(
      401,
      message ?? "Token reviewer JWT does not have permission to perform TokenReviews. Ensure the service account has the 'system:auth-delegator' ClusterRole binding.",
      'KubernetesTokenReviewerForbidden',
    );
  }
  fail(400, message ?? `Kubernetes returned HTTP ${answer.status}: ${answer.statusText}`, 'KubernetesTokenReviewRequestError');
}
