import type { IncomingMessage, ServerResponse } from 'node:http';

/** A matched request, handed to a route handler. */
export interface RouteRequest {
  raw: IncomingMessage;
  method: string;
  /** The route key, e.g. `GET /api/v4/secrets`: what counters and faults are keyed by. */
  key: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
  ip: string;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: RouteRequest, res: ServerResponse) => Promise<RouteResponse | void> | RouteResponse | void;

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/** Thrown by `match` for a path whose percent-escapes do not decode (the server's 400 `FST_ERR_BAD_URL`). */
export class BadUrlError extends Error {
  override readonly name = 'BadUrlError';
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BadUrlError(`'${text}' is not a valid url component`);
  }
}

/** Method + path template routing with `:params`; trailing slashes ignored, as Infisical's server does. */
export class Router {
  readonly #routes: Route[] = [];

  on(method: string, template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.#routes.push({ method, template, pattern: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  /** The route for a request; throws `BadUrlError` when the path does not decode, whether or not a route matches. */
  match(method: string, pathname: string): { key: string; params: Record<string, string>; handler: Handler } | undefined {
    // find-my-way decodes the whole path before routing, so a bad escape is a 400 even on an unknown path.
    decode(pathname);
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = decode(m[index + 1] ?? '');
      });
      return { key: `${route.method} ${route.template}`, params, handler: route.handler };
    }
    return undefined;
  }
}
