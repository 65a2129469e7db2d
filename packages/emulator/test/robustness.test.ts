import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { infisical } from './helpers.js';

let emu: Emulator;
const rejections = vi.fn<(reason: unknown) => void>();

beforeAll(async () => {
  process.on('unhandledRejection', rejections);
  emu = await startEmulator();
});
afterEach(() => {
  emu.faults.clear();
});
afterAll(async () => {
  process.off('unhandledRejection', rejections);
  await emu.close();
});

/** Opens a raw connection, sends the head and part of a body, and hangs up once `hangUp` resolves. */
async function hangUpMidBody(path: string, hangUp: Promise<unknown> = Promise.resolve()): Promise<void> {
  const { port, hostname } = new URL(emu.infisicalUrl);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"accessToken":"ey`);
  await hangUp;
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.destroy();
  await closed;
}

/** The server still answers, and nothing escaped as an unhandled rejection (a few round trips let it surface). */
async function expectStillServing(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const status = await infisical(emu, 'GET', '/api/status');
    expect(status.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(rejections).not.toHaveBeenCalled();
}

/**
 * Sends a raw GET for `target` (any request target, not only a path) and returns everything the server wrote until
 * it closed the connection, or what it wrote until something escaped the server as an unhandled rejection.
 */
async function rawTarget(target: string): Promise<string> {
  const { port, hostname } = new URL(emu.infisicalUrl);
  const socket = connect(Number(port), hostname);
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (chunk: string) => (answer += chunk));
  let escaped: ((reason: unknown) => void) | undefined;
  try {
    await Promise.race([
      new Promise((resolve) => socket.once('close', resolve)),
      new Promise((resolve) => process.once('unhandledRejection', (escaped = resolve))),
      new Promise((_, reject) => {
        socket.once('connect', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
        socket.once('error', reject);
      }),
    ]);
  } finally {
    if (escaped) process.off('unhandledRejection', escaped);
    socket.destroy();
  }
  return answer;
}

/** A GET with its own deadline, so a server that never answers fails the test instead of hanging it. */
function rawGet(path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${emu.infisicalUrl}${path}`, { agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

describe('Emulator: never takes its host process down', () => {
  it('survives a client that hangs up mid-body', async () => {
    await hangUpMidBody('/api/v1/auth/token/renew');
    await expectStillServing();
    expect(rejections).not.toHaveBeenCalled();
  });

  it('survives a client that hangs up during a delayMs fault', async () => {
    emu.faults.inject({ route: 'POST /api/v1/auth/token/renew', delayMs: 150, times: 1 });
    const before = emu.counters.get('POST /api/v1/auth/token/renew');
    // Hang up once the server holds the request in its delay.
    const held = (async () => {
      while (emu.counters.get('POST /api/v1/auth/token/renew') === before) await new Promise((resolve) => setImmediate(resolve));
    })();
    await hangUpMidBody('/api/v1/auth/token/renew', held);
    // Let the delay run out so the server resumes the abandoned request.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expectStillServing();
    expect(rejections).not.toHaveBeenCalled();
  });

  // Node hands these to the handler as they came (an asterisk-form target, an absolute URL it cannot parse):
  // they fail before any route is matched, outside every handler, so only the server's last line of defence
  // stands between them and an unhandled rejection.
  it.each(['*', 'http://[bad'])('answers a request target %j that is not a path, and keeps serving', async (target) => {
    const answer = await rawTarget(target);
    expect(answer).toMatch(/^HTTP\/1\.1 [45]\d\d /);
    await expectStillServing();
  });

  it('answers 400 FST_ERR_BAD_URL for a malformed percent-escape, on a route and off one', async () => {
    const onRoute = await rawGet('/api/v4/secrets/%E0%A4%A?projectId=p&environment=prod');
    expect(onRoute).toEqual({ status: 400, body: { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: "'/api/v4/secrets/%E0%A4%A' is not a valid url component", statusCode: 400 } });
    expect((await rawGet('/nowhere/%E0%A4%A')).status).toBe(400);
    await expectStillServing();
  });
});
