/*
 * `req.secrets` and `req.infisical` as accessors on Express's shared request prototype, reading a module-private
 * WeakMap keyed by the request.
 *
 * Why not `res.locals`: Express hands `res.locals` to every view (`res.render` merges it into the template's
 * context), so a snapshot kept there reaches any template that dumps its context, or a debug helper that prints
 * it. Nothing outside this module can reach the WeakMap.
 *
 * Why not plain properties: Express re-parents every request with `setPrototypeOf(req, app.request)`, and V8 adds
 * properties to such an object slowly: two of them cost about 5 % of an Express app's throughput in `pnpm bench`,
 * where one WeakMap entry (like the `res.locals` write it replaces) and a prototype accessor cost about 1 %. The
 * WeakMap holds the request weakly, so an entry lives exactly as long as its request. The shared prototype (the
 * parent of every app's `request`) keeps the accessors visible inside mounted sub-apps too, whose re-parenting
 * keeps the request's identity. Assigning either property still works: it becomes an own one.
 */
import type { Request } from 'express';

/** What a request sees: one object per snapshot, shared by every request that arrived while it was current. */
export interface RequestSecrets {
  readonly snapshot: unknown;
  readonly config: unknown;
}

const byRequest = new WeakMap<object, RequestSecrets>();

/** Whether each request prototype it has met carries our accessors (false: something else owns the names). */
const usable = new WeakMap<object, boolean>();

/** Defines both accessors on `base`; false when something else already owns either name there. */
function install(base: object): boolean {
  const accessors = [
    ['secrets', (entry: RequestSecrets | undefined) => entry?.snapshot],
    ['infisical', (entry: RequestSecrets | undefined) => entry?.config],
  ] as const;
  if (accessors.some(([name]) => Object.prototype.hasOwnProperty.call(base, name))) return false;
  for (const [name, read] of accessors) {
    Object.defineProperty(base, name, {
      configurable: true,
      enumerable: false,
      get(this: object) {
        return read(byRequest.get(this));
      },
      set(this: object, value: unknown) {
        Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
      },
    });
  }
  return true;
}

/**
 * Makes `req.secrets` and `req.infisical` read `entry` for this request. Returns false where the request is not
 * shaped as Express shapes it (another host, a custom prototype): the caller then sets own properties.
 */
export function exposeOnRequest(req: Request, entry: RequestSecrets): boolean {
  const appRequest = Object.getPrototypeOf(req) as object | null;
  if (!appRequest || appRequest !== (req as { app?: { request?: unknown } }).app?.request) return false;
  const base = Object.getPrototypeOf(appRequest) as object | null;
  if (!base) return false;
  let ok = usable.get(base);
  if (ok === undefined) {
    ok = install(base);
    usable.set(base, ok);
  }
  if (ok) byRequest.set(req, entry);
  return ok;
}
