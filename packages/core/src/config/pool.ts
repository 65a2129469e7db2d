import { Agent, buildConnector } from 'undici';

/**
 * A connection pool whose sockets never hold the process open: a config that is never closed (a script, a test,
 * an app that exits without `close()`) must not keep Node running for an idle keep-alive socket or the event
 * stream. What must finish holds the process itself (`ready()`, `refresh()`, `close()` while awaited).
 */
export function unrefPool(tls: { ca: string | Buffer | undefined; rejectUnauthorized: boolean }): Agent {
  const connect = buildConnector({ ...(tls.ca !== undefined ? { ca: tls.ca } : {}), rejectUnauthorized: tls.rejectUnauthorized });
  return new Agent({
    connect: (options, callback) =>
      connect(options, (...args) => {
        args[1]?.unref();
        callback(...args);
      }),
  });
}

/**
 * Keeps the process alive until `work` settles (every socket and timer of core is unref'd). The promise returned
 * counts as handled, as `work` did: a caller that drops a failed `refresh()` gets no unhandled rejection.
 */
export function holdOpen<T>(work: Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 60_000);
  const held = work.finally(() => clearInterval(hold));
  held.catch(() => undefined);
  return held;
}
