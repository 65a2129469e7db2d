/**
 * The event-stream parser is linear and bounded: only the unfinished line is kept between chunks, and
 * a line, an event's bytes and an event's data lines are capped (unit checks on `SseParser`, then the
 * same streams from a bare loopback server through `client.events.subscribe`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalResponseError, InfisicalResponseTooLargeError, type ProjectEvent } from 'node-infisical';
import { SseParser, type SseEvent } from '../src/transport/sse.js';

const ORIGIN = { method: 'POST', path: '/api/v1/events/subscribe/project-events' };
const parser = (limits: Partial<ConstructorParameters<typeof SseParser>[0]> = {}) =>
  new SseParser({ maxLineBytes: 64 * 1024, maxEventBytes: 64 * 1024, maxEventLines: 1000, ...limits }, ORIGIN);

describe('Class: SseParser — bounds', () => {
  it('keeps no more than the unfinished line while an endless line arrives in many chunks, then stops it', () => {
    const p = parser({ maxLineBytes: 64 * 1024 });
    p.push('data: ');
    const chunk = 'x'.repeat(1024);
    let retainedMax = 0;
    let error: unknown;
    for (let i = 0; i < 1000; i++) {
      try {
        p.push(chunk);
      } catch (e) {
        error = e;
        break;
      }
      retainedMax = Math.max(retainedMax, p.retainedBytes);
    }
    expect(retainedMax).toBeLessThanOrEqual(64 * 1024);
    expect(error).toBeInstanceOf(InfisicalResponseTooLargeError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limitBytes: 64 * 1024 });
    expect((error as Error).message).toContain('an event-stream line');
  });

  it('forgets each finished line: a long stream of small events retains only the current one', () => {
    const p = parser();
    let count = 0;
    for (let i = 0; i < 10_000; i++) {
      count += p.push(`event: secret:update\ndata: {"n":${i}}\n\n: comment\n`).length;
      expect(p.retainedBytes).toBe(0);
    }
    expect(count).toBe(10_000);
  });

  it('caps an event of 1e5 empty data lines by its line count', () => {
    const p = parser({ maxEventLines: 10_000 });
    const error = (() => {
      try {
        p.push('event: secret:update\n' + 'data:\n'.repeat(100_000));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect((error as Error).message).toContain('more than 10000 data lines');
    expect(p.retainedBytes).toBeLessThanOrEqual(10_000 + 64);
  });

  it('caps an event by its bytes across many short data lines', () => {
    const p = parser({ maxEventBytes: 4096 });
    const error = (() => {
      try {
        for (let i = 0; i < 100; i++) p.push('data: ' + 'y'.repeat(100) + '\n');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InfisicalResponseTooLargeError);
    expect(error).toMatchObject({ limitBytes: 4096 });
    expect(p.retainedBytes).toBeLessThanOrEqual(4096 + 101);
  });

  it('counts bytes, not UTF-16 characters', () => {
    const p = parser({ maxLineBytes: 300 });
    // 120 characters of 3 bytes each: 360 bytes.
    expect(() => p.push('data: ' + '€'.repeat(120))).toThrow(InfisicalResponseTooLargeError);
  });

  it('treats a CR at the end of a chunk and an LF opening the next as one line break', () => {
    const p = parser();
    const events = [...p.push('data: a\r'), ...p.push('\ndata: b\r'), ...p.push('\n\r'), ...p.push('\n')];
    expect(events).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('gives the same events however the stream is cut into chunks (property)', () => {
    const line = fc.oneof(
      fc.constantFrom('event: secret:update', 'event: ping', 'id: 7', ': comment', 'data:', 'retry: 10', ''),
      fc.string({ maxLength: 20 }).map((s) => `data: ${s.replace(/[\r\n]/g, '')}`),
    );
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    const stream = fc.array(fc.tuple(line, eol), { maxLength: 40 }).map((parts) => parts.map(([l, e]) => l + e).join(''));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), (text, cuts) => {
        const whole: SseEvent[] = parser().push(text);
        const positions = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % text.length)))].toSorted((a, b) => a - b);
        const p = parser();
        const pieces: SseEvent[] = [];
        let from = 0;
        for (const at of [...positions, text.length]) {
          pieces.push(...p.push(text.slice(from, at)));
          from = at;
        }
        expect(pieces).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Streams `total` copies of `piece` after `head`, in chunks, honouring back-pressure; stops when the client goes. */
async function serveStream(head: string, piece: string, total: number, options: { maxResponseBytes?: number } = {}): Promise<InfisicalClient> {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(head);
    let sent = 0;
    const pump = () => {
      while (sent < total && !res.destroyed) {
        sent += 1;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (sent >= total) res.end();
    };
    res.on('close', () => (sent = total));
    pump();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new InfisicalClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 'test-token', retry: false, ...options });
}

async function drain(events: AsyncIterable<ProjectEvent>): Promise<unknown> {
  try {
    // Only how the iteration ends matters.
    for await (const event of events) void event;
  } catch (error) {
    return error;
  }
  return undefined;
}

const register = [{ event: 'secret:update' as const }];

describe('Method: events.subscribe — caps', () => {
  it('ends a stream whose line never ends with RESPONSE_TOO_LARGE', async () => {
    const client = await serveStream('data: ', 'z'.repeat(16 * 1024), 10_000, { maxResponseBytes: 256 * 1024 });
    const error = await drain(await client.events.subscribe({ projectId: 'p', register }));
    expect(error).toBeInstanceOf(InfisicalResponseTooLargeError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limitBytes: 256 * 1024 });
  });

  it('ends a stream of 1e5 empty data lines in one event with a typed error', async () => {
    const client = await serveStream('event: secret:update\n', 'data:\n', 100_000);
    const error = await drain(await client.events.subscribe({ projectId: 'p', register }));
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect((error as Error).message).toContain('more than 10000 data lines');
  });

  it('ends a stream whose event outgrows maxResponseBytes', async () => {
    const client = await serveStream('event: secret:update\n', `data: ${'q'.repeat(100)}\n`, 1000, { maxResponseBytes: 4096 });
    const error = await drain(await client.events.subscribe({ projectId: 'p', register }));
    expect(error).toBeInstanceOf(InfisicalResponseTooLargeError);
    expect(error).toMatchObject({ limitBytes: 4096 });
  });
});
