import type { EmulatorClock } from '../clock.js';
import { EmulatorError } from '../errors.js';

/** Per-IP, per-minute maximums. A missing bucket keeps the server's default (read 60, write 200, secrets 60, global 600). */
export interface RateLimitSettings {
  readLimit?: number;
  writeLimit?: number;
  secretsLimit?: number;
  /** Every rate-limited request of one IP, whatever its bucket (`/api/status` is exempt). */
  globalLimit?: number;
}

/** A named set of limits: the published Infisical Cloud plans, or the October 2024 server's defaults. */
export type RateLimitPreset = 'free' | 'pro' | 'self-hosted-2024';

export type Bucket = 'readLimit' | 'writeLimit' | 'secretsLimit';

/**
 * The limits each preset applies, per client IP per minute.
 *
 * @example
 * const { writeLimit } = RATE_LIMIT_PRESETS.free; // 90 logins a minute behind one NAT
 */
export const RATE_LIMIT_PRESETS: Readonly<Record<RateLimitPreset, Readonly<Required<RateLimitSettings>>>> = Object.freeze({
  // Published Infisical Cloud plans (pricing page); the global cap is the server's globalRateLimiterCfg.
  free: Object.freeze({ readLimit: 200, writeLimit: 90, secretsLimit: 120, globalLimit: 600 }),
  pro: Object.freeze({ readLimit: 350, writeLimit: 200, secretsLimit: 300, globalLimit: 600 }),
  // An October 2024 server's rateLimiter.ts defaults.
  'self-hosted-2024': Object.freeze({ readLimit: 60, writeLimit: 200, secretsLimit: 40, globalLimit: 600 }),
});

const DEFAULTS: Required<RateLimitSettings> = { readLimit: 60, writeLimit: 200, secretsLimit: 60, globalLimit: 600 };

/** Turns the `rateLimit` option into limits, or undefined when off; throws INVALID_OPTIONS for anything else. */
export function resolveRateLimit(option: RateLimitPreset | RateLimitSettings | false | undefined, fallback: RateLimitPreset | false): Required<RateLimitSettings> | undefined {
  const value = option === undefined ? fallback : option;
  if (value === false) return undefined;
  if (typeof value === 'string') {
    if (!Object.hasOwn(RATE_LIMIT_PRESETS, value)) {
      throw new EmulatorError('INVALID_OPTIONS', `rateLimit must be false, an object of limits, or one of ${Object.keys(RATE_LIMIT_PRESETS).map((k) => `'${k}'`).join(', ')}; not ${JSON.stringify(value)}.`);
    }
    return { ...RATE_LIMIT_PRESETS[value] };
  }
  if (!value || typeof value !== 'object') throw new EmulatorError('INVALID_OPTIONS', `rateLimit must be false, a preset name or an object of limits, not ${JSON.stringify(value)}.`);
  const limits = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as (keyof RateLimitSettings)[]) {
    const given = value[name];
    if (given === undefined) continue;
    if (!Number.isInteger(given) || given < 1) throw new EmulatorError('INVALID_OPTIONS', `rateLimit.${name} must be a positive whole number of requests per minute, not ${JSON.stringify(given)}.`);
    limits[name] = given;
  }
  return limits;
}

export interface Admission {
  allowed: boolean;
  headers: Record<string, string>;
  /** Whole seconds until the window that decided resets. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows per client IP and bucket, like @fastify/rate-limit keyed on `req.realIp`, plus the
 * global per-IP cap every limited request counts against first. Windows follow the emulator clock, so a test
 * decides when a minute has passed.
 */
export class RateLimiter {
  readonly #limits: Required<RateLimitSettings>;
  readonly #clock: EmulatorClock;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(limits: Required<RateLimitSettings>, clock: EmulatorClock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  admit(bucket: Bucket, ip: string): Admission {
    // The global limiter's hook runs before the route's; a request it refuses never reaches the route bucket.
    const global = this.#count('globalLimit', ip);
    if (!global.allowed) return global;
    return this.#count(bucket, ip);
  }

  #count(bucket: Bucket | 'globalLimit', ip: string): Admission {
    const now = this.#clock.now();
    const key = `${bucket}|${ip}`;
    let window = this.#windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count += 1;
    const limit = this.#limits[bucket];
    // @fastify/rate-limit: reset and retry-after are the window's ttl in whole seconds, rounded up.
    const resetSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
    const allowed = window.count <= limit;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
      'x-ratelimit-reset': String(resetSeconds),
      ...(allowed ? {} : { 'retry-after': String(resetSeconds) }),
    };
    return { allowed, headers, resetSeconds };
  }
}

/** Which bucket a route uses (§8 of the contract); undefined = exempt (`/api/status`). */
export function bucketFor(routeKey: string): Bucket | undefined {
  const [method = '', path = ''] = routeKey.split(' ');
  if (path === '/api/status') return undefined;
  if (path.startsWith('/api/v4/secrets') || path.startsWith('/api/v3/secrets')) return 'secretsLimit';
  // Folders are read with readLimit and written with secretsLimit (secret-folder-router).
  if (path === '/api/v1/folders' && method !== 'GET') return 'secretsLimit';
  if (path === '/api/v1/events/subscribe/project-events') return 'readLimit';
  return method === 'GET' ? 'readLimit' : 'writeLimit';
}
