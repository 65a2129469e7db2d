#!/usr/bin/env node
// What a hostile or broken event stream costs the app: peak heap and RSS, the longest event-loop stall, and the
// error raised, when a loopback server sends (1) one endless line, no newline, in 64 KiB chunks up to 256 MiB,
// (2) 1e6 empty `data:` lines in one event. The server runs in this process; each consumer in a fresh child.
//
//   node test/bench/sse.mjs                                  client.events.subscribe (this tree)
//   node test/bench/sse.mjs --parser=<module> [--max-event-bytes=N]
//                                                            any module exporting parseSse(body, options) (e.g. an
//                                                            older build of node-infisical's transport/sse.js)
// `pnpm bench -- --only=sse` runs the first form as a section of run.mjs.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const CHUNK = 64 * 1024;
const ENDLESS_LIMIT = 256 * 1024 * 1024;
const EMPTY_LINES = 1_000_000;
/** A consumer still reading after this long is stopped and reported as such: each figure stays under 2 minutes. */
const TIME_LIMIT_MS = 90_000;
const PATH = '/api/v1/events/subscribe/project-events';
const MiB = 1024 * 1024;
const round = (n) => Math.round(n * 10) / 10;

/** Serves one scenario per request; `sent()` is the bytes the last response wrote. */
function serve(scenario) {
  let sent = 0;
  const server = createServer((req, res) => {
    req.resume();
    sent = 0;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let stopped = false;
    res.on('close', () => (stopped = true));
    const endless = Buffer.alloc(CHUNK, 'a');
    const empty = Buffer.from('data:\n'.repeat(Math.floor(CHUNK / 6)));
    let lines = 0;
    const pump = () => {
      // Writes until the socket pushes back (then resumes on 'drain') or the client has gone.
      for (;;) {
        if (stopped) return;
        let chunk;
        if (scenario === 'endless-line') {
          if (sent >= ENDLESS_LIMIT) return void res.end();
          chunk = sent === 0 ? Buffer.concat([Buffer.from('data: '), endless.subarray(6)]) : endless;
        } else {
          if (lines >= EMPTY_LINES) return void res.end();
          const n = Math.min(EMPTY_LINES - lines, empty.length / 6);
          chunk = empty.subarray(0, n * 6);
          lines += n;
        }
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, sent: () => sent, close: () => (server.closeAllConnections(), new Promise((r) => server.close(r))) })));
}

/** In the child: consume the stream, sampling heap and RSS, and watching the event loop. */
async function consume({ url, parser, maxEventBytes }) {
  // Loaded before the clocks start: compiling a module is not the parser's stall.
  const parseSse = parser ? (await import(parser)).parseSse : undefined;
  const { InfisicalClient } = await import('node-infisical');
  const abort = new AbortController();
  const limit = setTimeout(() => abort.abort(), TIME_LIMIT_MS);
  for (let i = 0; i < 4; i++) globalThis.gc?.();
  const base = process.memoryUsage();
  const peak = { heapUsed: base.heapUsed, rss: base.rss };
  // The histogram can hold no sample at all over a run of 100 ms: the gap between sampler ticks backs it up.
  let lastTick = performance.now();
  let longestGap = 0;
  const tick = () => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - lastTick - 10);
    lastTick = now;
    sample();
  };
  const sample = () => {
    const m = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.rss = Math.max(peak.rss, m.rss);
  };
  const sampler = setInterval(tick, 10);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  let events = 0;
  let error;
  try {
    let stream;
    if (parseSse) {
      const response = await fetch(`${url}${PATH}`, { method: 'POST', signal: abort.signal });
      stream = parseSse(response.body, { includePings: false, signal: abort.signal, method: 'POST', path: PATH, maxEventBytes, maxLineBytes: maxEventBytes, maxEventLines: Infinity });
    } else {
      const client = new InfisicalClient({ baseUrl: url, accessToken: 'bench-token', retry: false });
      stream = await client.events.subscribe({ projectId: 'p', register: [{ event: 'secret:update' }], signal: abort.signal });
    }
    for await (const event of stream) {
      events += 1;
      sample();
      void event;
    }
  } catch (e) {
    error = `${e?.name}${e?.code ? ` ${e.code}` : ''}: ${String(e?.message).slice(0, 160)}`;
  }
  tick();
  delay.disable();
  clearInterval(sampler);
  clearTimeout(limit);
  return {
    seconds: round((performance.now() - started) / 1000),
    timedOut: abort.signal.aborted,
    events,
    error: error ?? 'none (the stream ended quietly)',
    peakHeapUsedMiB: round((peak.heapUsed - base.heapUsed) / MiB),
    peakRssMiB: round(peak.rss / MiB),
    maxRssMiB: round(process.resourceUsage().maxRSS / 1024),
    longestStallMs: round(Math.max(delay.max / 1e6, longestGap)),
  };
}

/**
 * Both scenarios, each in a fresh child (`--expose-gc`), against a server in this process.
 *
 * @example
 * const figures = await sseFigures({ parser: '/tmp/sse-old/dist/transport/sse.js', maxEventBytes: 10 * 1024 * 1024 });
 */
export async function sseFigures({ parser, maxEventBytes = 10 * MiB } = {}) {
  const out = {};
  for (const scenario of ['endless-line', 'empty-data-lines']) {
    const server = await serve(scenario);
    const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--expose-gc'] });
    const result = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code, signal) => resolve({ error: `consumer died (exit ${code}, ${signal ?? 'no signal'})` }));
      child.once('error', reject);
      child.send({ url: server.url, parser, maxEventBytes });
    });
    child.kill();
    out[scenario] = { bytesSentMiB: round(server.sent() / MiB), ...result };
    await server.close();
  }
  return out;
}

if (process.argv.includes('--child')) {
  process.once('message', async (job) => {
    process.send(await consume(job), () => process.exit(0));
  });
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const parser = process.argv.find((a) => a.startsWith('--parser='))?.slice('--parser='.length);
  const maxEventBytes = Number(process.argv.find((a) => a.startsWith('--max-event-bytes='))?.slice('--max-event-bytes='.length) ?? 10 * MiB);
  console.log(JSON.stringify(await sseFigures({ parser, maxEventBytes }), null, 2));
}
