import { InfisicalApiError, type CreatedLease, type InfisicalClient } from 'node-infisical';
import { tracked, type Clock, type ClockTimer } from '../clock/clock.js';
import { InfisicalK8sError } from '../errors/error.js';
import { toInfisicalK8sError } from '../errors/map.js';
import type { ResolvedDynamicSource } from '../options/dynamic-source.js';
import type { InfisicalLogger } from '../options/types.js';
import type { SourceResult, WithToken } from './secret-source.js';

/** What a dynamic source needs besides the client: the clock its timers run on, the logger, and a refetch trigger. */
export interface DynamicSourceHooks {
  clock: Clock;
  logger: InfisicalLogger;
  /** The served credentials must change (a replacement lease, or the lease ended): the config refetches. */
  onChange: () => void;
}

/** One lease as core tracks it. Times are the server's (`expireAt`, `createdAt`), so max TTL math never mixes clocks. */
interface Lease {
  id: string;
  expireAtMs: number;
  /** `createdAt` + the secret's max TTL (the server refuses a renewal past it); Infinity without a max TTL. */
  maxEndMs: number;
  /** What one renewal adds to `expireAt`. */
  ttlMs: number;
  values: Readonly<Record<string, string>>;
  /** The server refused a renewal (400): the next step is a replacement. */
  renewRefused: boolean;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The server's `ms()` reading of a TTL string (`1h`, `90s`, bare digits = ms); undefined when it is not one. */
function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value);
  return match ? Number(match[1]) * UNITS[(match[2] ?? 'ms').toLowerCase()]! : undefined;
}

/** Renewals happen at this share of a lease's remaining life, so one failed attempt leaves a third to retry in. */
const RENEW_AT = 2 / 3;
/** The shortest wait between retries of a failed renewal or replacement. */
const MIN_RETRY_MS = 1_000;

/**
 * Leased credentials as a source: the lease is created at the first read (one creation in flight however many
 * callers), renewed at about two thirds of its life, replaced before the server's max TTL would refuse a renewal
 * (the old lease is revoked once the new credentials are served), and revoked on close. A failed renewal keeps
 * the lease's credentials until its end; after the end the next read must create a lease or fail.
 */
export class DynamicSource {
  readonly #client: InfisicalClient;
  readonly #source: ResolvedDynamicSource;
  readonly #hooks: DynamicSourceHooks;
  #current: Lease | undefined;
  /** The lease a replacement superseded, revoked once the new one has been served. */
  #retiring: Lease | undefined;
  #creating: Promise<Lease> | undefined;
  #timer: ClockTimer | undefined;
  #withToken: WithToken | undefined;
  /** The values the last read handed out: what "not modified" and "served" compare with. */
  #handed: Readonly<Record<string, string>> | undefined;
  /** The lease whose credentials the published snapshot carries. */
  #served: Lease | undefined;
  #closed = false;

  constructor(client: InfisicalClient, source: ResolvedDynamicSource, hooks: DynamicSourceHooks) {
    this.#client = client;
    this.#source = source;
    this.#hooks = hooks;
  }

  #scope() {
    const { projectSlug, environment, secretPath } = this.#source;
    return { projectSlug, environmentSlug: environment, path: secretPath };
  }

  #ttl() {
    return this.#source.ttl === undefined ? {} : { ttl: this.#source.ttl };
  }

  /** The current lease's credentials; creates the lease first when there is none (or the last one ended). */
  async read(withToken: WithToken): Promise<SourceResult> {
    this.#withToken = withToken;
    if (this.#current && this.#current.expireAtMs <= this.#hooks.clock.now()) this.#current = undefined;
    const lease = this.#current ?? (await this.#first());
    const notModified = this.#handed === lease.values;
    this.#handed = lease.values;
    return { values: lease.values, imports: [], etag: undefined, notModified, collisions: [], count: Object.keys(lease.values).length };
  }

  async #first(): Promise<Lease> {
    const lease = await this.#mint().catch((error: unknown) => {
      throw this.#notFound(error) ?? error;
    });
    if (this.#closed) {
      await this.#revoke(lease);
      throw new InfisicalK8sError('CLOSED', 'The Infisical config was closed while a lease was being created.');
    }
    if (!this.#current) {
      this.#current = lease;
      this.#schedule(lease);
    }
    return this.#current;
  }

  /** A 404 to a lease creation: no such project slug, folder or dynamic secret (the server says which). */
  #notFound(error: unknown): InfisicalK8sError | undefined {
    if (!(error instanceof InfisicalApiError) || error.status !== 404) return undefined;
    const { name, projectSlug, environment, secretPath } = this.#source;
    return new InfisicalK8sError('PROJECT_NOT_FOUND', `Infisical has no dynamic secret ${name} in environment '${environment}', path '${secretPath}' of the project with slug '${projectSlug}' (${error.serverMessage}).`, {
      status: 404,
      cause: error,
      hint: 'Check secrets.dynamic, secrets.projectSlug (the slug, not the id), secrets.environment and secrets.secretPath against the dynamic secret in Infisical.',
    });
  }

  /** One creation in flight, shared by every caller. */
  #mint(): Promise<Lease> {
    if (!this.#creating) {
      const withToken = this.#withToken!;
      const run = withToken(() => this.#client.dynamicSecrets.leases.create({ dynamicSecretName: this.#source.name, ...this.#scope(), ...this.#ttl() }));
      this.#creating = run.then((answer) => this.#leaseOf(answer)).finally(() => (this.#creating = undefined));
    }
    return this.#creating;
  }

  #leaseOf(answer: CreatedLease): Lease {
    const { lease, data, dynamicSecret } = answer;
    const values = Object.create(null) as Record<string, string>;
    const fields = this.#source.fields ?? Object.fromEntries(Object.keys(data).map((k) => [k, k]));
    for (const [from, to] of Object.entries(fields)) {
      const value = data[from];
      if (typeof value !== 'string' && typeof value !== 'number') {
        // Field names only: the lease's values are credentials.
        throw new InfisicalK8sError('BAD_RESPONSE', `The lease of dynamic secret ${this.#source.name} has no text field ${from} (its fields: ${Object.keys(data).join(', ')}): fix secrets.fields.`);
      }
      values[to] = String(value);
    }
    const createdAtMs = Date.parse(String(lease.createdAt));
    const maxTtl = durationMs(dynamicSecret?.maxTTL);
    return {
      id: lease.id,
      expireAtMs: lease.expireAtMs,
      maxEndMs: maxTtl !== undefined && !Number.isNaN(createdAtMs) ? createdAtMs + maxTtl : Number.POSITIVE_INFINITY,
      ttlMs: durationMs(this.#source.ttl) ?? durationMs(dynamicSecret?.defaultTTL) ?? lease.expireAtMs - (Number.isNaN(createdAtMs) ? this.#hooks.clock.now() : createdAtMs),
      values: Object.freeze(values),
      renewRefused: false,
    };
  }

  #at(delayMs: number, step: () => void): void {
    if (this.#timer) this.#hooks.clock.clearTimeout(this.#timer);
    this.#timer = this.#hooks.clock.setTimeout(step, Math.max(0, delayMs));
    this.#timer.unref?.();
  }

  #schedule(lease: Lease): void {
    this.#at((lease.expireAtMs - this.#hooks.clock.now()) * RENEW_AT, () => this.#step(lease));
  }

  /** Renew, or replace when a renewal would pass the max TTL (or the server already refused one). */
  #step(lease: Lease): void {
    if (this.#closed || lease !== this.#current) return;
    const replace = lease.renewRefused || lease.expireAtMs + lease.ttlMs > lease.maxEndMs;
    const work = (replace ? this.#replace(lease) : this.#renew(lease)).catch((error: unknown) => this.#failed(lease, error, replace));
    tracked(this.#hooks.clock, work);
  }

  async #renew(lease: Lease): Promise<void> {
    const { lease: renewed } = await this.#withToken!(() => this.#client.dynamicSecrets.leases.renew({ leaseId: lease.id, ...this.#scope(), ...this.#ttl() }));
    lease.expireAtMs = renewed.expireAtMs;
    if (!this.#closed && lease === this.#current) this.#schedule(lease);
  }

  async #replace(old: Lease): Promise<void> {
    const next = await this.#mint();
    if (this.#closed || old !== this.#current) {
      await this.#revoke(next);
      return;
    }
    // A replacement still unserved when the next one comes is dropped now: never more than two live leases.
    if (this.#retiring) void this.#revoke(this.#retiring);
    this.#retiring = old;
    this.#current = next;
    this.#schedule(next);
    this.#hooks.onChange();
  }

  /** Keeps serving the lease until its end, retrying at a third of what is left; at the end the source must refetch. */
  #failed(lease: Lease, error: unknown, replacing: boolean): void {
    if (this.#closed || lease !== this.#current) return;
    // Past the max TTL (400), or a role that may create leases but not edit them (403): replace rather than renew.
    if (!replacing && error instanceof InfisicalApiError && (error.status === 400 || error.status === 403)) lease.renewRefused = true;
    const typed = toInfisicalK8sError(error, { phase: 'fetch' });
    const left = lease.expireAtMs - this.#hooks.clock.now();
    this.#hooks.logger.warn(
      `dynamic secret ${this.#source.name}: ${replacing ? 'a replacement lease' : 'the lease renewal'} failed (${typed.code}); the current credentials are served until the lease ends in ${Math.max(0, Math.round(left / 1000))} s`,
      { code: typed.code },
    );
    if (left <= MIN_RETRY_MS) return this.#at(left, () => this.#ended(lease));
    this.#at(Math.max(MIN_RETRY_MS, left / 3), () => this.#step(lease));
  }

  /** The lease ended unrenewed: its credentials are dead, so the config refetches (and creates a lease). */
  #ended(lease: Lease): void {
    if (this.#closed || lease !== this.#current) return;
    this.#current = undefined;
    this.#hooks.onChange();
  }

  /** The config published a snapshot: once it carries the new lease's credentials, the superseded lease goes. */
  served(): void {
    if (this.#current && this.#handed === this.#current.values) this.#served = this.#current;
    const retiring = this.#retiring;
    if (!retiring || this.#handed !== this.#current?.values) return;
    this.#retiring = undefined;
    tracked(this.#hooks.clock, this.#revoke(retiring));
  }

  async #revoke(lease: Lease): Promise<void> {
    const withToken = this.#withToken;
    if (!withToken) return;
    try {
      await withToken(() => this.#client.dynamicSecrets.leases.revoke({ leaseId: lease.id, ...this.#scope() }));
    } catch (error) {
      // An ended lease is already gone (404); any other failure leaves it to expire at its end.
      if (error instanceof InfisicalApiError && error.status === 404) return;
      this.#hooks.logger.warn(`dynamic secret ${this.#source.name}: revoking a lease failed (${toInfisicalK8sError(error, { phase: 'fetch' }).code}); it ends at its TTL`);
    }
  }

  /**
   * The credentials the config serves came from a lease that has ended (a failed renewal kept them until its end,
   * and no new lease replaced them yet): they no longer work, so the config reports stale.
   */
  ended(now: number): boolean {
    return this.#served !== undefined && this.#served.expireAtMs <= now;
  }

  /** Stops the timers and revokes every lease this source holds (a creation in flight is revoked when it lands). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) this.#hooks.clock.clearTimeout(this.#timer);
    const leases = [this.#current, this.#retiring].filter((lease): lease is Lease => lease !== undefined);
    this.#current = undefined;
    this.#retiring = undefined;
    const landing = await this.#creating?.catch(() => undefined);
    if (landing && !leases.includes(landing)) leases.push(landing);
    await Promise.all(leases.map((lease) => this.#revoke(lease)));
  }
}
