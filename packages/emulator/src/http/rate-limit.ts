import type { EmulatorClock } from '../clock.js';

export interface RateLimitSettings {
  readLimit?: number;
  writeLimit?: number;
  secretsLimit?: number;
}

export type Bucket = 'readLimit' | 'writeLimit' | 'secretsLimit';

export interface Admission {
  allowed: boolean;
  headers: Record<string, string>;
  /** Whole seconds until the window resets. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows per client IP and bucket, like @fastify/rate-limit keyed on `req.realIp`.
 * Windows follow the emulator clock, so a test decides when a minute has passed.
 */
export class RateLimiter {
  readonly #limits: Record<Bucket, number>;
  readonly #clock: EmulatorClock;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(settings: RateLimitSettings, clock: EmulatorClock) {
    this.#limits = { readLimit: settings.readLimit ?? 60, writeLimit: settings.writeLimit ?? 200, secretsLimit: settings.secretsLimit ?? 60 };
    this.#clock = clock;
  }

  admit(bucket: Bucket, ip: string): Admission {
    const now = this.#clock.now();
    const key = `${bucket}|${ip}`;
    let window = this.#windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count += 1;
    const limit = this.#limits[bucket];
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
