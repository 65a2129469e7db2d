import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { parse as parseForm } from 'node:querystring';
import { setTimeout as sleep } from 'node:timers/promises';
import { BadUrlError, type Router, type RouteRequest, type RouteResponse } from './router.js';
import type { Counters, Faults, FaultSpec } from './faults.js';

export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string> | undefined;
  constructor(status: number, body: unknown, headers?: Record<string, string>) {
    super(typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export interface ServerHooks {
  router: Pick<Router, 'match'>;
  counters: Counters;
  faults: Faults;
  /** Shapes an error body for a status (Infisical envelope, or a Kubernetes Status). */
  errorBody(status: number, message: string, error?: string): unknown;
  /** Called when a JSON body does not parse. */
  badJson(): RouteResponse;
  tls?: { cert: string; key: string };
  /** Rate limiting: headers to add, and a response when the request is refused. */
  admit?(key: string, ip: string): { headers: Record<string, string>; reject?: RouteResponse };
  /**
   * The server's request hook, run before faults, rate limits and the body: Infisical authenticates (and
   * spends a token use) in `onRequest`, before the route's rate limiter. Throw an HttpError to refuse.
   */
  authenticate?(request: RouteRequest): Promise<unknown> | undefined;
  /** Reshapes an error body a handler threw (e.g. a server generation without `reqId`). */
  shapeError?(body: unknown): unknown;
  /** `ETag` on every 2xx JSON answer and `304` for a matching `If-None-Match` on reads (@fastify/etag). */
  etag?: boolean;
  /** Take the client IP from the left-most `X-Forwarded-For` entry (Fastify's trustProxy). Default true. */
  trustProxy?: boolean;
}

const MAX_BODY = 1024 * 1024;

type BodyResult = { ok: true; value: unknown } | { ok: false; tooLarge?: boolean; aborted?: boolean };

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

async function readBody(req: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        // Drain the rest so the client gets our answer instead of a broken pipe.
        req.resume();
        return { ok: false, tooLarge: true };
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    // The client hung up mid-body: there is nobody left to answer.
    return { ok: false, aborted: true };
  }
  if (size === 0) return { ok: true, value: undefined };
  const text = Buffer.concat(chunks).toString('utf8');
  // The server registers @fastify/formbody: form bodies are plain string fields (repeated keys become arrays).
  if (isForm(req)) return { ok: true, value: { ...parseForm(text) } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  // Infisical runs with trustProxy: the left-most X-Forwarded-For entry is the client.
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  const ip = first || req.socket.remoteAddress || '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** Writes the answer; true when it went out as a `304 Not Modified`. */
function send(res: ServerResponse, response: RouteResponse, etag?: { ifNoneMatch: string | undefined; read: boolean }): boolean {
  if (res.headersSent || res.destroyed) return false;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...response.headers };
  const payload = response.body === undefined ? '' : JSON.stringify(response.body);
  if (etag && response.status >= 200 && response.status < 300 && payload) {
    const tag = `"${createHash('sha1').update(payload).digest('base64url')}"`;
    headers.etag = tag;
    if (etag.read && etag.ifNoneMatch === tag) {
      delete headers['content-type'];
      res.writeHead(304, headers);
      res.end();
      return true;
    }
  }
  res.writeHead(response.status, headers);
  res.end(payload);
  return false;
}

async function applyFault(fault: FaultSpec, res: ServerResponse, hooks: ServerHooks, closed: AbortSignal): Promise<boolean> {
  if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal: closed }).catch(() => {});
  if (fault.hang) {
    // Until the client gives up or the server closes: a hung request must not outlive its client, nor leave
    // a listener on the server-wide signal (a test injecting many hangs would pile them up).
    await new Promise<void>((resolve) => {
      const done = () => {
        closed.removeEventListener('abort', done);
        res.off('close', done);
        resolve();
      };
      closed.addEventListener('abort', done, { once: true });
      res.once('close', done);
    });
    res.destroy();
    return true;
  }
  if (fault.reset) {
    res.socket?.destroy();
    return true;
  }
  const retryHeaders: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
  if (fault.html) {
    res.writeHead(fault.status ?? 502, { 'content-type': 'text/html', ...retryHeaders });
    res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>');
    return true;
  }
  if (fault.malformed) {
    res.writeHead(fault.status ?? 200, { 'content-type': 'application/json', ...retryHeaders });
    res.end('{"secrets":[{"secretKey":"A","secretVal');
    return true;
  }
  if (fault.oversized) {
    // Valid JSON of exactly `oversized` bytes (for sizes that fit the frame), so only the size is at fault.
    const frame = '{"secrets":[],"padding":""}';
    const body = fault.oversized >= frame.length ? `{"secrets":[],"padding":"${'x'.repeat(fault.oversized - frame.length)}"}` : ' '.repeat(fault.oversized);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...retryHeaders });
    res.end(body);
    return true;
  }
  if (fault.status !== undefined) {
    const body = fault.body ?? hooks.errorBody(fault.status, fault.status >= 500 ? 'Something went wrong' : `Injected fault ${fault.status}`);
    send(res, { status: fault.status, body, headers: retryHeaders });
    return true;
  }
  return false;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

type Match = NonNullable<ReturnType<Router['match']>>;

/** The route for a request, or undefined once the request has been answered (bad URL, unknown route). */
function route(hooks: ServerHooks, method: string, url: URL, res: ServerResponse): Match | undefined {
  let match: ReturnType<Router['match']>;
  try {
    match = hooks.router.match(method, url.pathname);
  } catch (error) {
    if (!(error instanceof BadUrlError)) throw error;
    // Fastify's own answer (onBadUrl), before any hook or error handler runs.
    send(res, { status: 400, body: { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: error.message, statusCode: 400 } });
    return undefined;
  }
  if (!match) send(res, { status: 404, body: hooks.errorBody(404, `Route ${method}:${url.pathname} not found`, 'NotFound') });
  return match;
}

/** Answers a thrown HttpError as such, anything else as the server's 500. */
function sendError(hooks: ServerHooks, res: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) {
    const body = hooks.shapeError ? hooks.shapeError(error.body) : error.body;
    send(res, { status: error.status, body, ...(error.headers ? { headers: error.headers } : {}) });
  } else send(res, { status: 500, body: hooks.errorBody(500, 'Something went wrong', 'InternalServerError') });
}

/** The request hook, an injected fault, then the rate limit: true when one of them answered. */
async function gate(hooks: ServerHooks, request: RouteRequest, res: ServerResponse, closed: AbortSignal): Promise<boolean> {
  try {
    await hooks.authenticate?.(request);
  } catch (error) {
    sendError(hooks, res, error);
    return true;
  }
  const fault = hooks.faults.take(request.key);
  if (fault && (await applyFault(fault, res, hooks, closed))) return true;
  // A client that hung up during a delay has nobody left to answer.
  if (res.destroyed) return true;
  const admission = hooks.admit?.(request.key, request.ip);
  if (!admission) return false;
  // setHeader, not the response object: SSE handlers write their own head and must keep these too.
  for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
  if (!admission.reject) return false;
  send(res, admission.reject);
  return true;
}

/** The parsed body, or `{ answered: true }` once a body that cannot be used has been answered. */
async function requestBody(hooks: ServerHooks, req: IncomingMessage, res: ServerResponse): Promise<{ answered: true } | { answered: false; value: unknown }> {
  const body = await readBody(req);
  if (body.ok) return { answered: false, value: body.value };
  if (body.aborted) res.destroy();
  else if (body.tooLarge) send(res, { status: 413, body: hooks.errorBody(413, 'Request body is too large', 'PayloadTooLarge') });
  else send(res, hooks.badJson());
  return { answered: true };
}

async function handle(hooks: ServerHooks, req: IncomingMessage, res: ServerResponse, closed: AbortSignal): Promise<void> {
  const rawUrl = req.url ?? '/';
  // Origin-form paths are appended, so `//x` stays a path rather than becoming a host.
  const url = rawUrl.startsWith('/') ? new URL(`http://emulator${rawUrl}`) : new URL(rawUrl);
  const method = (req.method ?? 'GET').toUpperCase();
  const match = route(hooks, method, url, res);
  if (!match) return;
  hooks.counters.hit(match.key);
  const ip = clientIp(req, hooks.trustProxy ?? true);
  const request: RouteRequest = { raw: req, method, key: match.key, params: match.params, query: url.searchParams, body: undefined, headers: req.headers, ip };
  const ifNoneMatch = typeof req.headers['if-none-match'] === 'string' ? req.headers['if-none-match'] : undefined;
  const etag = hooks.etag ? { ifNoneMatch, read: method === 'GET' || method === 'HEAD' } : undefined;
  if (await gate(hooks, request, res, closed)) return;
  const body = await requestBody(hooks, req, res);
  if (body.answered) return;
  request.body = body.value;
  try {
    const response = await match.handler(request, res);
    // Counted apart too, so a test or the bench can tell how many reads an ETag saved.
    if (response && send(res, response, etag)) hooks.counters.hit(`${match.key} 304`);
  } catch (error) {
    sendError(hooks, res, error);
  }
}

/** Every open socket, so close() can end keep-alive and streaming connections at once. */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  server.on('secureConnection', track);
  return sockets;
}

/** A small HTTP(S) server around a Router, with counters, faults and clean shutdown. */
export async function startServer(hooks: ServerHooks, host: string, port: number): Promise<RunningServer> {
  const closing = new AbortController();
  // Nothing a client sends or does may take the host process down: any escape becomes a 500 or a closed socket.
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(hooks, req, res, closing.signal).catch(() => {
      try {
        if (!res.headersSent && !res.destroyed) send(res, { status: 500, body: hooks.errorBody(500, 'Something went wrong', 'InternalServerError') });
        else res.destroy();
      } catch {
        res.destroy();
      }
    });
  };
  const server = hooks.tls ? createHttpsServer({ cert: hooks.tls.cert, key: hooks.tls.key }, handler) : createHttpServer(handler);
  const sockets = trackSockets(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `${hooks.tls ? 'https' : 'http'}://${hostPart}:${actualPort}`,
    async close() {
      closing.abort();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
      await done;
    },
  };
}
