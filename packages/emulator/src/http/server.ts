import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Router, RouteRequest, RouteResponse } from './router.js';
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
  router: Router;
  counters: Counters;
  faults: Faults;
  /** Shapes an error body for a status (Infisical envelope, or a Kubernetes Status). */
  errorBody(status: number, message: string, error?: string): unknown;
  /** Called when a JSON body does not parse. */
  badJson(): RouteResponse;
  tls?: { cert: string; key: string };
  /** Rate limiting: headers to add, and a response when the request is refused. */
  admit?(key: string, ip: string): { headers: Record<string, string>; reject?: RouteResponse };
}

const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; tooLarge?: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      // Drain the rest so the client gets our answer instead of a broken pipe.
      req.resume();
      return { ok: false, tooLarge: true };
    }
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function clientIp(req: IncomingMessage): string {
  // Infisical runs with trustProxy: the left-most X-Forwarded-For entry is the client.
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  const ip = first || req.socket.remoteAddress || '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function send(res: ServerResponse, response: RouteResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...response.headers };
  const payload = response.body === undefined ? '' : JSON.stringify(response.body);
  res.writeHead(response.status, headers);
  res.end(payload);
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

/** A small HTTP(S) server around a Router, with counters, faults and clean shutdown. */
export async function startServer(hooks: ServerHooks, host: string, port: number): Promise<RunningServer> {
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const match = hooks.router.match(method, url.pathname);
    if (!match) {
      send(res, { status: 404, body: hooks.errorBody(404, `Route ${method}:${url.pathname} not found`, 'NotFound') });
      return;
    }
    hooks.counters.hit(match.key);
    const fault = hooks.faults.take(match.key);
    if (fault && (await applyFault(fault, res, hooks, closing.signal))) return;
    const ip = clientIp(req);
    const admission = hooks.admit?.(match.key, ip);
    if (admission) {
      // setHeader, not the response object: SSE handlers write their own head and must keep these too.
      for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
      if (admission.reject) {
        send(res, admission.reject);
        return;
      }
    }
    const body = await readBody(req);
    if (!body.ok && body.tooLarge) {
      send(res, { status: 413, body: hooks.errorBody(413, 'Request body is too large', 'PayloadTooLarge') });
      return;
    }
    if (!body.ok) {
      send(res, hooks.badJson());
      return;
    }
    const request: RouteRequest = {
      raw: req,
      method,
      key: match.key,
      params: match.params,
      query: url.searchParams,
      body: body.value,
      headers: req.headers,
      ip,
    };
    try {
      const response = await match.handler(request, res);
      if (response) send(res, response);
    } catch (error) {
      if (error instanceof HttpError) send(res, { status: error.status, body: error.body, ...(error.headers ? { headers: error.headers } : {}) });
      else send(res, { status: 500, body: hooks.errorBody(500, 'Something went wrong', 'InternalServerError') });
    }
  };
  const server = hooks.tls ? createHttpsServer({ cert: hooks.tls.cert, key: hooks.tls.key }, handler) : createHttpServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
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
