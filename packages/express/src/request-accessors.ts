/*
 * `req.secrets` and `req.infisical` as accessors on Express's shared request prototype, reading what the
 * middleware left in `res.locals`. Why not plain properties: Express re-parents every request with
 * `setPrototypeOf(req, app.request)`, and V8 adds properties to such an object slowly: two of them cost about
 * 5 % of an Express app's throughput in `pnpm bench`, where a `res.locals` write (a dictionary object already)
 * and a prototype accessor cost about 1 %. The shared prototype (the parent of every app's `request`) keeps the
 * accessors visible inside mounted sub-apps too. Assigning either property still works: it becomes an own one.
 */
import type { Request, Response } from 'express';

/** Where the middleware leaves the request's config beside `res.locals.secrets`; not enumerable by JSON. */
const CONFIG_LOCAL = Symbol.for('@infisical-k8s/express.config');

type LocalsBag = Record<string | symbol, unknown>;
const localsOf = (req: unknown): LocalsBag | undefined => (req as { res?: { locals?: LocalsBag } }).res?.locals;

/** Whether each request prototype it has met carries our accessors (false: something else owns the names). */
const usable = new WeakMap<object, boolean>();

/** Defines both accessors on `base`; false when something else already owns either name there. */
function install(base: object): boolean {
  const accessors = [
    ['secrets', (locals: LocalsBag | undefined) => locals?.secrets],
    ['infisical', (locals: LocalsBag | undefined) => locals?.[CONFIG_LOCAL]],
  ] as const;
  if (accessors.some(([name]) => Object.prototype.hasOwnProperty.call(base, name))) return false;
  for (const [name, read] of accessors) {
    Object.defineProperty(base, name, {
      configurable: true,
      enumerable: false,
      get(this: unknown) {
        return read(localsOf(this));
      },
      set(this: object, value: unknown) {
        Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
      },
    });
  }
  return true;
}

/**
 * Makes `req.secrets` and `req.infisical` read this request's `res.locals`. Returns false where the request
 * is not shaped as Express shapes it (another host, a custom prototype): the caller then sets own properties.
 */
export function exposeOnRequest(req: Request, res: Response, snapshot: unknown, config: unknown): boolean {
  const locals = res.locals as unknown as LocalsBag;
  locals.secrets = snapshot;
  locals[CONFIG_LOCAL] = config;
  const appRequest = Object.getPrototypeOf(req) as object | null;
  if (!appRequest || (req as { res?: unknown }).res !== res || appRequest !== (req as { app?: { request?: unknown } }).app?.request) return false;
  const base = Object.getPrototypeOf(appRequest) as object | null;
  if (!base) return false;
  let ok = usable.get(base);
  if (ok === undefined) {
    ok = install(base);
    usable.set(base, ok);
  }
  return ok;
}
