import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  createInfisicalConfig,
  InfisicalK8sError,
  invalidOption,
  isInfisicalK8sError,
  type ConfigOutput,
  type InfisicalConfig,
  type InfisicalConfigOptions,
} from '@infisical-k8s/core';
import { firstSnapshot, readinessResponse } from '@infisical-k8s/core/adapter-kit';
import { sendUnavailable } from './problem.js';
import { exposeOnRequest, type RequestSecrets } from './request-accessors.js';

/** Core's options, plus how requests behave before the first snapshot. */
export interface InfisicalMiddlewareOptions<S extends StandardSchemaV1 | undefined = undefined> extends InfisicalConfigOptions<S> {
  /** How long a request waits for the first snapshot before a 503. Default 5000. */
  waitForSecretsMs?: number;
  /** `Retry-After` of that 503, in seconds. Default 5. */
  retryAfterSeconds?: number;
}

/** The middleware, with the config's lifecycle attached. */
export interface InfisicalMiddleware<T> extends RequestHandler {
  /** The first validated snapshot: await it at boot to fail fast. */
  ready(): Promise<T>;
  /** The core config (snapshot, get, changes$, errors$, status, refresh). */
  readonly config: InfisicalConfig<T>;
  /** Stops refreshing; call it on shutdown. */
  close(): Promise<void>;
  /** A handler for a Kubernetes readiness probe: 200 when ready and fresh (or degraded: serving the fallback file), else 503. */
  readonly readiness: RequestHandler;
  /** The typed snapshot of a request, for apps that avoid global augmentation. */
  secretsOf(req: Request): T;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(name, 'a non-negative number', value);
  }
  return value;
}

/** `req.secrets` and `req.infisical` for this request: prototype accessors where Express shaped it, else own properties. */
function attach(req: Request, entry: RequestSecrets): void {
  if (exposeOnRequest(req, entry)) return;
  // Defined, not assigned: assignment throws under an inherited getter without a setter (another library's
  // `req.infisical`), failing every request. Not enumerable, so `util.inspect(req)` and JSON show no value here either.
  Object.defineProperty(req, 'secrets', { value: entry.snapshot, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(req, 'infisical', { value: entry.config, writable: true, enumerable: false, configurable: true });
}

/**
 * Express middleware that puts your typed Infisical secrets on `req.secrets`, and never on `res.locals`, which
 * every view receives.
 * Options are validated now (throws `OPTIONS_INVALID`), and loading starts at once.
 *
 * @example
 * const secrets = infisical({ schema: z.object({ DATABASE_URL: z.string().url() }) });
 * app.use(secrets);
 * app.get('/ready', secrets.readiness);
 * await secrets.ready();
 */
export function infisical<S extends StandardSchemaV1 | undefined = undefined>(options: InfisicalMiddlewareOptions<S> = {}): InfisicalMiddleware<ConfigOutput<S>> {
  if (options === null || typeof options !== 'object') throw new InfisicalK8sError('OPTIONS_INVALID', 'infisical() takes an options object');
  const { waitForSecretsMs, retryAfterSeconds, ...coreOptions } = options;
  const wait = nonNegative('waitForSecretsMs', waitForSecretsMs, 5_000);
  const retryAfter = nonNegative('retryAfterSeconds', retryAfterSeconds, 5);
  const config = createInfisicalConfig<S>(coreOptions as InfisicalConfigOptions<S>);
  // Before the first snapshot a rejection is expected and reported through errors$; keep it from being unhandled.
  config.ready().catch(() => undefined);

  type T = ConfigOutput<S>;
  // The hot path reads one variable: building `config.status` per request costs throughput. One entry per
  // snapshot, so a request costs no allocation.
  let current: RequestSecrets | undefined;
  const entryFor = (snapshot: T): RequestSecrets => (current?.snapshot === snapshot ? current : { snapshot, config });
  // Stryker disable next-line ObjectLiteral: without the cached entry every request takes firstSnapshot(), which resolves at once with the same snapshot (ready() returns the current one) and rejects with CLOSED after close(), as the cache does; only the per-request cost differs (pnpm bench)
  config.snapshot$.subscribe({ next: (snapshot) => (current = entryFor(snapshot)), complete: () => (current = undefined) });

  const middleware = function infisicalSecrets(req: Request, res: Response, next: NextFunction): void {
    if (current !== undefined) {
      attach(req, current);
      next();
      return;
    }
    firstSnapshot(config, wait).then(
      (snapshot) => {
        attach(req, entryFor(snapshot));
        next();
      },
      (error: unknown) => sendUnavailable(res, retryAfter, isInfisicalK8sError(error) ? error : undefined),
    );
  } as InfisicalMiddleware<T>;

  const readiness = function infisicalReadiness(_req: Request, res: Response): void {
    const { statusCode, body } = readinessResponse(config);
    res.status(statusCode).json(body);
  };

  Object.defineProperties(middleware, {
    config: { value: config, enumerable: true },
    readiness: { value: readiness, enumerable: true },
    ready: { value: () => config.ready() },
    close: { value: () => config.close() },
    secretsOf: { value: (req: Request) => (req as unknown as { secrets: T }).secrets ?? config.snapshot },
  });
  return middleware;
}
