import { startApp, type Database } from './app.js';

/** A stand-in for a driver's pool (swap in `new pg.Pool(credentials)`): fixed rows, no network. */
function fakeDatabase(): Database {
  const rows = [
    { id: 1, total: 42 },
    { id: 2, total: 7 },
  ];
  return {
    query: async <Row>() => rows as Row[],
    end: async () => undefined,
  };
}

const app = await startApp({ host: process.env.HOST ?? '0.0.0.0', connect: fakeDatabase });
console.log(`leased-db example listening on ${app.url}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
