import { startApp } from './app.js';

const app = await startApp({ host: process.env.HOST ?? '0.0.0.0' });
console.log(`nest example listening on ${app.url}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
