import type { InfisicalClient } from 'node-infisical';
import type { Clock } from '../clock/clock.js';
import { toInfisicalK8sError } from '../errors/map.js';
import type { InfisicalLogger } from '../options/types.js';
import type { Lineage } from './lineage.js';

/** Lineage ids already revoked, remembered so a late renewal answer of one is not revoked twice. */
const REVOKED_MEMORY = 64;

export interface RevocationsOptions {
  clock: Clock;
  logger: InfisicalLogger;
  siteUrl: string;
  /** Each revocation in flight, so close() can let it finish. */
  track(work: Promise<unknown>): void;
  /** Counted on success. */
  stats: { revocations: number };
}

/**
 * Replaced lineages and their revocation: a pod that logs in hourly must not leave a month of valid tokens behind.
 * Best effort: a failure is logged and the token lives out its TTL; one cut short by close() is retried there.
 */
export class Revocations {
  readonly #client: InfisicalClient;
  readonly #o: RevocationsOptions;
  /** Replaced lineages still waiting for their successor to prove itself before they are revoked. */
  #superseded: Lineage[] = [];
  readonly #revokedLineages = new Set<string>();
  /** Revocations cut short by close(): retried there when the config revokes on close. */
  #unrevoked: string[] = [];
  #closed = false;

  constructor(client: InfisicalClient, options: RevocationsOptions) {
    this.#client = client;
    this.#o = options;
  }

  /** A login replaced `previous`: it is revoked once the new lineage can be trusted. */
  supersede(previous: Lineage): void {
    if (!previous.refused) this.#superseded.push(previous);
  }

  /**
   * Revokes replaced lineages once `current` can be trusted. A lineage that expired or that the server refused
   * needs no revocation.
   */
  retire(current: Lineage): void {
    const now = this.#o.clock.now();
    // While the current lineage is unproven, its direct predecessor waits; older ones go now, so a pod whose clock
    // stays skewed (and whose tokens never renew) still holds two live tokens at most.
    const waiting = current.suspect ? this.#superseded.splice(-1) : [];
    for (const old of this.#superseded.splice(0, this.#superseded.length)) {
      if (old.refused || now >= old.info.expiresAt) continue;
      this.revoke(old.token, old.info.lineage);
    }
    this.#superseded = waiting;
  }

  /** Revokes `token` once per lineage id. */
  revoke(token: string, lineage: string | undefined): void {
    if (lineage !== undefined) {
      if (this.#revokedLineages.has(lineage)) return;
      this.#revokedLineages.add(lineage);
      if (this.#revokedLineages.size > REVOKED_MEMORY) this.#revokedLineages.delete(this.#revokedLineages.values().next().value!);
    }
    const work = this.#client.auth.revoke(token).then(
      () => {
        this.#o.stats.revocations += 1;
      },
      (error: unknown) => {
        if (this.#closed) {
          this.#unrevoked.push(token);
          return;
        }
        const typed = toInfisicalK8sError(error, { phase: 'renew', siteUrl: this.#o.siteUrl });
        this.#o.logger.warn(`could not revoke a replaced access token (it stays valid until it expires): [${typed.code}] ${typed.message}`, { code: typed.code });
      },
    );
    this.#o.track(work);
  }

  /** From now on a failed revocation is kept for `revokeOnClose` instead of logged. */
  stop(): void {
    this.#closed = true;
  }

  /** Revokes the current token and the replaced ones close() cut short. Only tokens this manager obtained. */
  async revokeOnClose(current: Lineage | undefined): Promise<void> {
    const tokens = [...this.#unrevoked.splice(0), ...(current && !current.refused ? [current.token] : [])];
    await Promise.all(
      tokens.map((token) =>
        this.#client.auth.revoke(token).catch((error: unknown) => {
          this.#o.logger.warn(`could not revoke the access token on close: ${toInfisicalK8sError(error, { phase: 'renew' }).message}`);
        }),
      ),
    );
  }
}
