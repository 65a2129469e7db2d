// One memory figure per fresh process (`node --expose-gc memory.mjs`), driven over IPC by run.mjs.
// The emulator stays in the parent: its own state (secret versions, counters) must not count as ours,
// and a fresh heap keeps earlier phases' garbage and JIT code out of the figure.
import { createInfisicalConfig } from '@infisical-k8s/core';

const quiet = { warn: () => undefined, error: () => undefined };

/** Heap in use after full collections; several passes because one can leave weakly held objects for the next. */
function heap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Asks the parent (which owns the emulator) to do something, and waits for it to be done. */
function ask(message) {
  return new Promise((resolve) => {
    process.once('message', resolve);
    process.send(message);
  });
}

async function snapshotSize({ options, bigSecrets }) {
  // The same config against a 3-secret project first, so only the secrets themselves differ.
  const small = createInfisicalConfig({ ...options, push: false, refreshIntervalMs: 0, logger: quiet });
  await small.ready();
  const withSmall = heap();
  await small.close();
  const big = createInfisicalConfig({ ...options, secrets: bigSecrets, push: false, refreshIntervalMs: 0, logger: quiet });
  const snapshot = await big.ready();
  const withBig = heap();
  const count = Object.keys(snapshot).length;
  // What the data itself weighs (one byte a character, as V8 stores these ASCII strings), to read the heap against.
  const rawBytes = Object.entries(snapshot).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
  await big.close();
  return { secrets: count, heapBytes: withBig - withSmall, rawBytes };
}

async function refreshGrowth({ options, cycles, checkpoints, warmUp }) {
  const config = createInfisicalConfig({ ...options, push: false, refreshIntervalMs: 0, logger: quiet });
  await config.ready();
  let changes = 0;
  config.changes$.subscribe(() => changes++);
  let cycle = 0;
  const run = async (n) => {
    for (let end = cycle + n; cycle < end; cycle++) {
      // Every other cycle changes a value, so half the refreshes publish a new snapshot and half find nothing new.
      if (cycle % 2 === 0) await ask({ setGreeting: `cycle-${cycle}` });
      await config.refresh();
    }
  };
  await run(warmUp);
  const start = heap();
  const samples = [];
  const every = cycles / checkpoints;
  for (let i = 0; i < checkpoints; i++) {
    await run(every);
    samples.push({ cycles: cycle - warmUp, heapBytes: heap() - start });
  }
  await config.close();
  return { warmUpCycles: warmUp, changes, samples };
}

process.once('message', async (job) => {
  const result = job.kind === 'snapshot' ? await snapshotSize(job) : await refreshGrowth(job);
  process.send({ result });
  process.disconnect();
});
