import { randomBytes, randomUUID } from 'node:crypto';

/** A dynamic secret as the server stores it (its provider inputs stay out: the emulator's provider needs none). */
export interface DynamicSecretRecord {
  id: string;
  name: string;
  /** `${projectId}|${env}|${path}` of its folder. */
  folderKey: string;
  folderId: string;
  /** As given (`1h`, `30m`, ...): the server keeps the string and parses it with `ms` on each use. */
  defaultTTL: string;
  maxTTL: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A lease: the minted credential lives as long as the lease. */
export interface LeaseRecord {
  id: string;
  dynamicSecretId: string;
  version: number;
  /** The provider's handle on the credential (the SQL provider's is the username). */
  externalEntityId: string;
  password: string;
  createdAtMs: number;
  expireAtMs: number;
  updatedAtMs: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * What the server's `ms()` makes of a TTL string: `90s`, `30m`, `1h`, `2d`, or bare digits (milliseconds).
 * NaN for anything else (the server's schema then fails the comparisons and lets it through to `ms`, which throws).
 */
export function durationMs(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value);
  if (!match) return Number.NaN;
  return Number(match[1]) * UNITS[(match[2] ?? 'ms').toLowerCase()]!;
}

/**
 * Dynamic secrets and their leases, on the emulator's clock. The server's queue revokes a lease at its `expireAt`
 * and deletes it, so an expired lease is gone: every read here treats it as absent.
 */
export class DynamicSecretsState {
  readonly secrets = new Map<string, DynamicSecretRecord>();
  readonly leases = new Map<string, LeaseRecord>();

  /** The dynamic secret of this name in this folder. */
  find(folderKey: string, name: string): DynamicSecretRecord | undefined {
    for (const secret of this.secrets.values()) if (secret.folderKey === folderKey && secret.name === name) return secret;
    return undefined;
  }

  add(record: Omit<DynamicSecretRecord, 'id'>): DynamicSecretRecord {
    const secret = { id: randomUUID(), ...record };
    this.secrets.set(secret.id, secret);
    return secret;
  }

  /** Mints a username/password pair, as the SQL provider does, and records its lease. */
  mint(secret: DynamicSecretRecord, now: number, expireAtMs: number): LeaseRecord {
    const lease: LeaseRecord = {
      id: randomUUID(),
      dynamicSecretId: secret.id,
      version: 1,
      externalEntityId: `${secret.name.slice(0, 12)}-${randomBytes(6).toString('hex')}`,
      password: randomBytes(18).toString('base64url'),
      createdAtMs: now,
      expireAtMs,
      updatedAtMs: now,
    };
    this.leases.set(lease.id, lease);
    return lease;
  }

  /** The lease if it is still live at `now`; an expired one is dropped, as the server's revocation queue drops it. */
  live(leaseId: string, now: number): LeaseRecord | undefined {
    const lease = this.leases.get(leaseId);
    if (lease && lease.expireAtMs <= now) {
      this.leases.delete(leaseId);
      return undefined;
    }
    return lease;
  }

  /** Live leases at `now`, of one dynamic secret (by name) or of all. */
  countLive(now: number, name?: string): number {
    let count = 0;
    for (const lease of this.leases.values()) {
      if (!this.live(lease.id, now)) continue;
      if (name === undefined || this.secrets.get(lease.dynamicSecretId)?.name === name) count++;
    }
    return count;
  }

  /** Whether this username/password pair is a live lease's credential at `now` (what a database would accept). */
  accepts(username: string, password: string, now: number): boolean {
    for (const lease of this.leases.values()) {
      if (lease.externalEntityId === username && lease.password === password) return this.live(lease.id, now) !== undefined;
    }
    return false;
  }
}
