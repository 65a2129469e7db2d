/** The credentials a connection is opened with; the password is never logged. */
export interface DbCredentials {
  host: string;
  user: string;
  password: string;
}

/** A database handle as a driver's pool offers one (pg.Pool, mysql2's createPool): lazy, so opening it cannot fail. */
export interface Database {
  query<Row>(sql: string): Promise<Row[]>;
  end(): Promise<void>;
}

/** Opens a handle for these credentials; synchronous, so a swap happens inside the `changes$` handler. */
export type Connect = (credentials: DbCredentials) => Database;

/**
 * One live handle at a time, replaced when the lease is: the lease's old credentials are revoked right after
 * the `changes$` announcement, so the swap must happen synchronously in the handler, before that revocation.
 *
 * @example
 * const pool = new LeasedPool(connect, { host, user, password });
 * config.changes$.subscribe(({ snapshot, reason }) => reason === 'lease' && pool.reconnect({ host, user: snapshot.DB_USER, password: snapshot.DB_PASS }));
 */
export class LeasedPool {
  readonly #connect: Connect;
  #db: Database;
  #reconnects = 0;

  constructor(connect: Connect, first: DbCredentials) {
    this.#connect = connect;
    this.#db = connect(first);
  }

  /** How many times the pool switched to a new lease. */
  get reconnects(): number {
    return this.#reconnects;
  }

  query<Row>(sql: string): Promise<Row[]> {
    return this.#db.query<Row>(sql);
  }

  /** New queries go to the new handle at once; the old one drains in-flight queries and closes. */
  reconnect(credentials: DbCredentials): void {
    const old = this.#db;
    this.#db = this.#connect(credentials);
    this.#reconnects++;
    // A failed end of a handle nobody uses any more must not take the app down.
    old.end().catch(() => undefined);
  }

  end(): Promise<void> {
    return this.#db.end();
  }
}
