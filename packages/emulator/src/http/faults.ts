import { randomUUID } from 'node:crypto';

/**
 * A failure to inject on matching routes.
 *
 * @example
 * emu.faults.inject({ route: 'POST /api/v1/auth/kubernetes-auth/login', status: 429, retryAfter: 2, times: 1 });
 * emu.faults.inject({ route: /^GET \/api\/v4\//, reset: true });
 */
export interface FaultSpec {
  /** Route key (`GET /api/v4/secrets`) or a RegExp tested against it. */
  route: string | RegExp;
  /** Answer with this status and an Infisical error envelope (or `body`). */
  status?: number;
  /** JSON body to send with `status`. */
  body?: unknown;
  /** Sent as `Retry-After`: seconds, or a string as is (an HTTP date: `new Date(t).toUTCString()`). */
  retryAfter?: number | string;
  /** Real-time delay before handling (normally, or with the other fault fields). */
  delayMs?: number;
  /** Never answer (until the emulator closes). */
  hang?: boolean;
  /** Destroy the socket: the client sees ECONNRESET. */
  reset?: boolean;
  /** 200 with a truncated JSON body. */
  malformed?: boolean;
  /** An HTML error page (status default 502), as a proxy in front of Infisical sends. */
  html?: boolean;
  /** 200 with a JSON body of this many bytes. */
  oversized?: number;
  /** How many requests it applies to; default unlimited. */
  times?: number;
}

interface ActiveFault extends FaultSpec {
  id: string;
  remaining: number;
}

/** Fault injection per route, consumed in order of injection. */
export class Faults {
  readonly #faults: ActiveFault[] = [];

  inject(spec: FaultSpec): string {
    const id = randomUUID();
    this.#faults.push({ ...spec, id, remaining: spec.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  clear(id?: string): void {
    if (id === undefined) this.#faults.length = 0;
    else {
      const index = this.#faults.findIndex((f) => f.id === id);
      if (index >= 0) this.#faults.splice(index, 1);
    }
  }

  /** The fault that applies to this request, if any; counts it down. */
  take(key: string): FaultSpec | undefined {
    const fault = this.#faults.find((f) => (typeof f.route === 'string' ? f.route === key : f.route.test(key)));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.clear(fault.id);
    return fault;
  }
}

/** Request counts per route key. */
export class Counters {
  readonly #counts = new Map<string, number>();

  hit(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  reset(): void {
    this.#counts.clear();
  }
}
