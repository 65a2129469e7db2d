import { InfisicalApiError, InfisicalResponseError } from '../errors/errors.js';
import { scrubCredentialsHead } from '../errors/redact.js';
import { parseRetryAfter } from './retry.js';

/** Reads at most `limit` bytes of a body; a larger body is cancelled, never buffered whole. */
export async function readCapped(response: Response, limit: number): Promise<{ text: string; oversized: boolean }> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {});
    return { text: '', oversized: true };
  }
  if (!response.body) return { text: '', oversized: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { text: '', oversized: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), oversized: false };
}

/** Server text copied into an error is bounded: a hostile or broken answer must not make a log line megabytes long. */
const MAX_MESSAGE = 1000;
function clip(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** A 422's `message` is zod's issue list: keep each path and message, never a received value. */
function summarizeIssues(issues: unknown[]): string {
  const parts = issues.slice(0, 10).map((issue) => {
    const i = (issue ?? {}) as { path?: unknown[]; message?: unknown };
    const path = Array.isArray(i.path) && i.path.length > 0 ? clip(i.path.map((p) => (typeof p === 'string' || typeof p === 'number' ? String(p) : '?')).join('.'), 200) : '(body)';
    return `${path}: ${typeof i.message === 'string' ? clip(i.message, 200) : 'invalid'}`;
  });
  const more = issues.length > 10 ? `; and ${issues.length - 10} more` : '';
  return `${parts.join('; ')}${more}`;
}

export type Parsed = { ok: true; body: unknown } | { ok: false; error: InfisicalApiError | InfisicalResponseError };

/** Turns a buffered answer into its JSON body or a typed error; never lets a SyntaxError escape. */
export function parseAnswer(response: Response, text: string, method: string, path: string, now: number = Date.now()): Parsed {
  const contentType = response.headers.get('content-type') ?? '';
  let body: unknown;
  if (text.trim().length > 0) {
    if (!contentType.includes('json') && /^\s*</.test(text)) {
      return {
        ok: false,
        error: new InfisicalResponseError(response.status, method, path, 'an HTML page instead of JSON: a proxy, load balancer or login page answered; check baseUrl', {
          htmlPage: true,
        }),
      };
    }
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, error: new InfisicalResponseError(response.status, method, path, 'malformed JSON body (truncated answer or not Infisical?)') };
    }
  }
  if (response.ok) return { ok: true, body };
  // Any JSON may come back with an error status (a proxy, another service): read only fields of the expected types.
  const envelope = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as { message?: unknown; error?: unknown; reqId?: unknown };
  const serverMessage = Array.isArray(envelope.message)
    ? summarizeIssues(envelope.message)
    : typeof envelope.message === 'string'
      ? // Scrubbed before clipping (a cut through a credential leaves a piece no pattern knows), on a bounded head.
        clip(scrubCredentialsHead(envelope.message, 8 * MAX_MESSAGE))
      : response.statusText || 'no message';
  return {
    ok: false,
    error: new InfisicalApiError({
      status: response.status,
      serverError: typeof envelope.error === 'string' ? clip(envelope.error, 100) : undefined,
      serverMessage,
      reqId: typeof envelope.reqId === 'string' ? clip(envelope.reqId, 100) : undefined,
      method,
      path,
      retryAfter: parseRetryAfter(response.headers.get('retry-after'), now),
    }),
  };
}
