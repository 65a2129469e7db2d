import { InfisicalApiError, type EventRegistration, type InfisicalClient } from 'node-infisical';
import type { Clock, ClockTimer } from '../clock/clock.js';
import type { InfisicalLogger } from '../options/types.js';
import type { ResolvedSource } from '../options/resolve.js';
import { backoffDelay } from '../util/backoff.js';

export interface PushEvents {
  /** A relevant secret changed on the server. */
  onChange(): void;
  /** The stream (re)connected: events are not replayed, so refetch once. */
  onConnected(reconnect: boolean): void;
  /** The server refused subscriptions for good: poll instead. */
  onRefused(reason: string): void;
}

const EVENTS = ['secret:create', 'secret:update', 'secret:delete', 'secret:import-mutation'] as const;

/**
 * Server-sent secret-change events, one stream per project: reconnects with backoff, refetches after
 * each reconnect, and gives up (to polling) when the server refuses (plan, permission).
 */
export class PushSubscription {
  readonly #abort = new AbortController();
  #timer: ClockTimer | undefined;
  #failures = 0;
  #refused = false;
  #connected = 0;

  constructor(
    private readonly client: InfisicalClient,
    private readonly sources: readonly ResolvedSource[],
    private readonly auth: { use(): Promise<void>; invalidate(): void },
    private readonly o: { clock: Clock; logger: InfisicalLogger; random: () => number; backoff: { initialMs: number; maxMs: number; multiplier: number } },
    private readonly events: PushEvents,
  ) {}

  get active(): boolean {
    return !this.#refused && this.#connected > 0;
  }

  get refused(): boolean {
    return this.#refused;
  }

  start(): void {
    const projects = new Map<string, EventRegistration[]>();
    for (const source of this.sources) {
      const list = projects.get(source.projectId) ?? [];
      for (const event of EVENTS) list.push({ event, conditions: { environmentSlug: source.environment, secretPath: source.secretPath } });
      projects.set(source.projectId, list.slice(0, 10));
    }
    for (const [projectId, register] of projects) void this.#connect(projectId, register, false);
  }

  async #connect(projectId: string, register: EventRegistration[], reconnect: boolean): Promise<void> {
    if (this.#abort.signal.aborted || this.#refused) return;
    try {
      await this.auth.use();
      const stream = await this.client.events.subscribe({ projectId, register, signal: this.#abort.signal });
      const openedAt = this.o.clock.now();
      this.#connected += 1;
      this.events.onConnected(reconnect);
      try {
        for await (const event of stream) {
          if (event.event.startsWith('secret:') || event.event === 'secret-manager') this.events.onChange();
        }
      } finally {
        this.#connected -= 1;
      }
      // A stream that ends at once is a failure in disguise: back off rather than spin.
      if (this.o.clock.now() - openedAt < 1_000) this.#failures += 1;
      else this.#failures = 0;
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      if (error instanceof InfisicalApiError && (error.status === 401 || (error.status === 403 && error.serverError === 'TokenError'))) {
        this.auth.invalidate();
      } else if (error instanceof InfisicalApiError && [400, 402, 403, 404].includes(error.status)) {
        this.#refused = true;
        this.events.onRefused(`${error.status} ${error.serverMessage}`);
        return;
      }
      this.#failures += 1;
    }
    if (this.#abort.signal.aborted) return;
    // The server closes streams on its own (timeouts): reconnect, with backoff only after failures.
    const delay = this.#failures === 0 ? 0 : backoffDelay(this.#failures - 1, this.o.backoff, this.o.random);
    this.#timer = this.o.clock.setTimeout(() => void this.#connect(projectId, register, true), delay);
    this.#timer.unref?.();
  }

  stop(): void {
    this.#abort.abort();
    if (this.#timer) this.o.clock.clearTimeout(this.#timer);
  }
}
