import { InfisicalApiError, isRouteNotFoundError, isTokenError, type EventRegistration, type InfisicalClient, type ProjectEvent } from 'node-infisical';
import type { Clock, ClockTimer } from '../clock/clock.js';
import type { InfisicalLogger } from '../options/types.js';
import { isInfisicalK8sError } from '../errors/error.js';
import type { BackoffPolicy } from '../util/backoff.js';
import { RetryTimer } from '../util/retry-timer.js';

/** A folder whose changes matter: a source, or a folder one of its sources imports. */
export interface WatchedLocation {
  projectId: string;
  environment: string;
  secretPath: string;
  /** Changes in sub-folders matter too. */
  recursive: boolean;
}

export interface PushEvents {
  /** A relevant secret changed on the server. */
  onChange(): void;
  /** A stream came back after a break: events are not replayed, so refetch once. */
  onReconnected(): void;
  /** The server refused subscriptions for good (plan, permission): poll instead. */
  onRefused(reason: string): void;
  /** A failed attempt carried `Retry-After` (ms): the reconnect waits at least that long. */
  onRetryAfter?(retryAfterMs: number): void;
}

/** The `Retry-After` (ms) a failure carried: the server's answer to the subscription, or the login before it. */
function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof InfisicalApiError) return error.retryAfter === undefined ? undefined : error.retryAfter * 1000;
  return isInfisicalK8sError(error) ? error.retryAfterMs : undefined;
}

export interface PushAuth {
  use(): Promise<number>;
  invalidate(generation: number): void;
}

export interface PushOptions {
  clock: Clock;
  logger: InfisicalLogger;
  random: () => number;
  backoff: BackoffPolicy;
}

const EVENTS = ['secret:create', 'secret:update', 'secret:delete', 'secret:import-mutation'] as const;
/** The server accepts 1 to 10 registrations per subscription. */
const MAX_REGISTRATIONS = 10;
const LOCATIONS_PER_STREAM = Math.floor(MAX_REGISTRATIONS / EVENTS.length);
/** A stream that ends sooner than this after opening counts as a failure (backoff), not a server-side timeout. */
const MIN_HEALTHY_STREAM_MS = 1_000;

/** Drops locations another one already covers (the server matches paths by prefix). */
function prune(locations: WatchedLocation[]): WatchedLocation[] {
  const unique = new Map(locations.map((l) => [`${l.projectId}\0${l.environment}\0${l.secretPath}`, l]));
  const list = [...unique.values()];
  return list
    .filter((l) => !list.some((o) => o !== l && o.recursive && o.projectId === l.projectId && o.environment === l.environment && covers(o.secretPath, l.secretPath)))
    .toSorted((a, b) => `${a.projectId}\0${a.environment}\0${a.secretPath}`.localeCompare(`${b.projectId}\0${b.environment}\0${b.secretPath}`));
}

function covers(parent: string, child: string): boolean {
  if (parent === child) return true;
  const prefix = parent.endsWith('/') ? parent : `${parent}/`;
  return child.startsWith(prefix);
}

/** Whether an event's payload touches a watched folder; anything unparseable counts as relevant. */
function relevant(event: ProjectEvent, locations: readonly WatchedLocation[]): boolean {
  if (event.event === 'error' || event.event === 'ping') return false;
  const data = event.data as { data?: { payload?: unknown }; payload?: unknown; environment?: unknown; secretPath?: unknown } | undefined;
  const raw = data?.data?.payload ?? data?.payload ?? data;
  const items = (Array.isArray(raw) ? raw : [raw]) as Array<{ environment?: unknown; secretPath?: unknown } | undefined>;
  const parsed = items.filter((i): i is { environment: string; secretPath: string } => typeof i?.environment === 'string' && typeof i.secretPath === 'string');
  if (parsed.length === 0) return true;
  return parsed.some((item) =>
    locations.some((l) => l.environment === item.environment && (l.recursive ? covers(l.secretPath, item.secretPath) : l.secretPath === item.secretPath)),
  );
}

/** Promise.withResolvers, which Node 20 lacks. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Why an attempt failed, for the one log line of a streak (status and server message; never a token). */
function describe(error: unknown): string {
  if (error instanceof InfisicalApiError) return `HTTP ${error.status}${error.serverError ? ` ${error.serverError}` : ''}: ${error.serverMessage}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return 'unknown failure';
}

/**
 * One SSE subscription: connects, reads, reconnects with backoff until stopped or refused. Every kind of failure
 * backs off, and a streak of failures logs one line. A 401 on the subscription alone (the token still lists
 * secrets) costs one login per streak, not one per reconnect.
 */
class EventStream {
  readonly #abort = new AbortController();
  /** The reconnect, and the streak of failures it backs off over. */
  readonly #retry: RetryTimer;
  #healthyTimer: ClockTimer | undefined;
  /** The wait the last failure drew, for the reconnect after it. */
  #delay = 0;
  /** This streak of failures was logged. */
  #streakLogged = false;
  /** This streak already spent its one login on a 401. */
  #streakLoggedIn = false;
  connected = false;

  constructor(
    private readonly client: InfisicalClient,
    private readonly auth: PushAuth,
    private readonly o: PushOptions,
    private readonly projectId: string,
    private readonly locations: readonly WatchedLocation[],
    private readonly owner: { events: PushEvents; refuse(reason: string): void; refused(): boolean },
  ) {
    this.#retry = new RetryTimer(o);
  }

  start(): void {
    void this.#connect(false);
  }

  async #connect(reconnect: boolean): Promise<void> {
    if (this.#abort.signal.aborted || this.owner.refused()) return;
    const register: EventRegistration[] = this.locations.flatMap((l) =>
      EVENTS.map((event) => ({ event, conditions: { environmentSlug: l.environment, secretPath: l.secretPath } })),
    );
    let generation = -1;
    const { promise, resolve: opened } = deferred();
    // Until the attempt has a stream or has failed (an open stream never settles, so it is not the work itself).
    this.o.clock.track?.(promise);
    try {
      generation = await this.auth.use();
      if (this.#abort.signal.aborted) return;
      const stream = await this.client.events.subscribe({ projectId: this.projectId, register, signal: this.#abort.signal });
      opened();
      const openedAt = this.o.clock.now();
      this.connected = true;
      // A stream that stays up this long ends the failure streak (the next failure logs again).
      this.#healthyTimer = this.o.clock.setTimeout(() => this.#healthy(), MIN_HEALTHY_STREAM_MS);
      this.#healthyTimer.unref?.();
      if (reconnect) this.owner.events.onReconnected();
      try {
        for await (const event of stream) {
          // Leaving the loop cancels the body, which closes the socket of a stream we no longer want.
          if (this.#abort.signal.aborted) break;
          if (relevant(event, this.locations)) this.owner.events.onChange();
        }
      } finally {
        this.connected = false;
        this.#clearHealthyTimer();
      }
      // The server closes streams on its own (timeouts); one that ends at once is a failure in disguise.
      if (this.o.clock.now() - openedAt < MIN_HEALTHY_STREAM_MS) this.#failed('the stream closed right after opening', undefined);
      else this.#healthy();
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      // The router's 404 (or, on a standalone server, the web app's 404 page): a server older than event subscriptions.
      if (isRouteNotFoundError(error)) {
        this.owner.refuse(`this server has no event route (${error instanceof InfisicalApiError ? error.serverMessage : 'HTTP 404'})`);
        return;
      }
      if (error instanceof InfisicalApiError) {
        if (isTokenError(error)) {
          // One login per streak: when the subscription alone refuses a token that still lists secrets, logging in
          // on every reconnect would cost hundreds of logins a day for nothing.
          if (!this.#streakLoggedIn) this.auth.invalidate(generation);
          this.#streakLoggedIn = true;
        } else if ([400, 402, 403, 404].includes(error.status)) {
          this.owner.refuse(`HTTP ${error.status}: ${error.serverMessage}`);
          return;
        }
      }
      const retryAfterMs = retryAfterOf(error);
      if (retryAfterMs !== undefined) this.owner.events.onRetryAfter?.(retryAfterMs);
      this.#failed(describe(error), retryAfterMs);
    } finally {
      opened();
    }
    if (this.#abort.signal.aborted) return;
    // A stream the server closed after a healthy while comes back at once; a failure waits its backoff step.
    this.#retry.start(() => void this.#connect(true), this.#retry.failures === 0 ? 0 : this.#delay);
  }

  #failed(reason: string, retryAfterMs: number | undefined): void {
    this.#delay = this.#retry.fail(retryAfterMs);
    if (this.#streakLogged) return;
    this.#streakLogged = true;
    this.o.logger.warn(`push: the event stream failed (${reason}); reconnecting with backoff, polling meanwhile. Logged once until it is back.`);
  }

  #clearHealthyTimer(): void {
    if (this.#healthyTimer) this.o.clock.clearTimeout(this.#healthyTimer);
    this.#healthyTimer = undefined;
  }

  #healthy(): void {
    this.#healthyTimer = undefined;
    if (this.#streakLogged) this.o.logger.info?.('push: the event stream is back');
    this.#retry.reset();
    this.#streakLogged = false;
    this.#streakLoggedIn = false;
  }

  stop(): void {
    this.#abort.abort();
    this.#clearHealthyTimer();
    this.#retry.cancel();
    this.connected = false;
  }
}

/**
 * Server-sent secret-change events for every watched folder (sources and the folders they import):
 * as few streams as the server's 10-registration limit allows, reconnecting with backoff, refetching
 * after each reconnect, and giving up for polling when the server refuses (plan, permission).
 */
export class PushSubscription {
  readonly #client: InfisicalClient;
  readonly #auth: PushAuth;
  readonly #o: PushOptions;
  readonly #events: PushEvents;
  readonly #streams = new Map<string, EventStream>();
  #refused = false;
  #stopped = false;

  constructor(client: InfisicalClient, auth: PushAuth, options: PushOptions, events: PushEvents) {
    this.#client = client;
    this.#auth = auth;
    this.#o = options;
    this.#events = events;
  }

  /** Every stream is connected. */
  get active(): boolean {
    if (this.#refused || this.#streams.size === 0) return false;
    for (const stream of this.#streams.values()) if (!stream.connected) return false;
    return true;
  }

  get refused(): boolean {
    return this.#refused;
  }

  /** Subscribes to exactly these folders, keeping streams whose registrations did not change. */
  watch(locations: WatchedLocation[]): void {
    if (this.#stopped || this.#refused) return;
    const byProject = new Map<string, WatchedLocation[]>();
    for (const l of prune(locations)) byProject.set(l.projectId, [...(byProject.get(l.projectId) ?? []), l]);
    const wanted = new Map<string, { projectId: string; locations: WatchedLocation[] }>();
    for (const [projectId, list] of byProject) {
      for (let i = 0; i < list.length; i += LOCATIONS_PER_STREAM) {
        const chunk = list.slice(i, i + LOCATIONS_PER_STREAM);
        wanted.set(JSON.stringify([projectId, chunk]), { projectId, locations: chunk });
      }
    }
    for (const [key, stream] of this.#streams) {
      if (!wanted.has(key)) {
        stream.stop();
        this.#streams.delete(key);
      }
    }
    for (const [key, { projectId, locations: chunk }] of wanted) {
      if (this.#streams.has(key)) continue;
      const stream = new EventStream(this.#client, this.#auth, this.#o, projectId, chunk, {
        events: this.#events,
        refuse: (reason) => this.#refuse(reason),
        refused: () => this.#refused,
      });
      this.#streams.set(key, stream);
      stream.start();
    }
  }

  #refuse(reason: string): void {
    if (this.#refused) return;
    this.#refused = true;
    for (const stream of this.#streams.values()) stream.stop();
    this.#streams.clear();
    this.#events.onRefused(reason);
  }

  stop(): void {
    this.#stopped = true;
    for (const stream of this.#streams.values()) stream.stop();
    this.#streams.clear();
  }
}
