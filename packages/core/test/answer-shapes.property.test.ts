/**
 * Any 200 body on any route the config uses: the snapshot changes only on a well-formed secret list, and then
 * exactly to it. A real loopback proxy sits in front of the emulator; per run it answers ONE route (the list, the
 * login, the renewal or the event subscription) with an arbitrary body and forwards everything else, so the rest
 * of the exchange is the emulator's. Time is a ManualClock; the event stream is waited on by its log line.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInfisicalConfig, errorCatalog, isInfisicalK8sError, type ConfigChange, type InfisicalK8sError } from '@infisical-k8s/core';
import type { ProvisionOptions } from '@infisical-k8s/emulator';
import { captureLogger, harness, routes, waitFor, type Harness } from './helpers.js';

interface BadAnswer {
  route: string;
  body: string;
  contentType: string;
}

/** A proxy that forwards every request to the emulator as a stream (SSE included), except the route `bad` names. */
async function startProxy(target: string): Promise<{ server: Server; url: string; state: { bad: BadAnswer | undefined; hits: number } }> {
  const state = { bad: undefined as BadAnswer | undefined, hits: 0 };
  const server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    const bad = state.bad;
    if (bad && key === bad.route) {
      req.resume();
      req.on('end', () => {
        state.hits += 1;
        res.writeHead(200, { 'content-type': bad.contentType, 'content-length': Buffer.byteLength(bad.body) }).end(bad.body);
      });
      return;
    }
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // A stream the client gave up on (config closed) must not keep the upstream one open.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));

let h: Harness<undefined> | undefined;
let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
afterEach(async () => {
  if (proxy) {
    proxy.server.closeAllConnections();
    await new Promise((r) => proxy!.server.close(r));
  }
  proxy = undefined;
  await h?.close();
  h = undefined;
});

const anyJson = fc.jsonValue({ maxDepth: 3 });
const item = fc.record({ secretKey: fc.string({ maxLength: 12 }), secretValue: fc.string({ maxLength: 12 }) });
/** What the brief names: any JSON, `{secrets: any}`, one item of any key and value, real lists, non-JSON text, empty. */
const listBodies = fc.oneof(
  fc.json({ maxDepth: 3 }),
  anyJson.map((secrets) => JSON.stringify({ secrets })),
  fc.tuple(anyJson, anyJson).map(([secretKey, secretValue]) => JSON.stringify({ secrets: [{ secretKey, secretValue }] })),
  fc.uniqueArray(item, { selector: (s) => s.secretKey, maxLength: 4 }).map((secrets) => JSON.stringify({ secrets })),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '<html>502 Bad Gateway</html>', '{"secrets":[', 'null', 'undefined'),
);
/** Login and renewal bodies add token-shaped ones (any string as the token, any numbers). */
const tokenBodies = fc.oneof(
  listBodies,
  fc
    .record({ accessToken: fc.oneof(fc.string({ maxLength: 30 }), anyJson), expiresIn: fc.oneof(fc.integer(), anyJson), accessTokenMaxTTL: fc.oneof(fc.integer(), anyJson), tokenType: fc.constant('Bearer') })
    .map((b) => JSON.stringify(b)),
);
const contentTypes = fc.constantFrom('application/json', 'text/plain', 'text/event-stream');

/** The values a body must become when it is a well-formed list; `undefined` when it is not one; 'skip' with imports. */
function wellFormedList(body: string): Record<string, string> | undefined | 'skip' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const p = parsed as Record<string, unknown>;
  if (!Array.isArray(p.secrets)) return undefined;
  if (!p.secrets.every((s: unknown) => !!s && typeof s === 'object' && typeof (s as Record<string, unknown>).secretKey === 'string' && typeof (s as Record<string, unknown>).secretValue === 'string')) return undefined;
  // Imports bring values of their own: judged by node-infisical's shape tests, not here.
  if ('imports' in p) return 'skip';
  const values: Record<string, string> = {};
  for (const s of p.secrets as Array<{ secretKey: string; secretValue: string }>) Object.defineProperty(values, s.secretKey, { value: s.secretValue, enumerable: true, writable: true, configurable: true });
  return values;
}

const knownCodes = Object.keys(errorCatalog);
function expectTyped(error: unknown): asserts error is InfisicalK8sError {
  expect(isInfisicalK8sError(error), `not typed: ${String(error)}`).toBe(true);
  expect(knownCodes).toContain((error as InfisicalK8sError).code);
}

async function setUp(provision: ProvisionOptions = {}): Promise<void> {
  h = await harness({ provision, config: { push: false, refreshIntervalMs: 0 } });
  proxy = await startProxy(h.emu.infisicalUrl);
}

/** A config behind the proxy, ready with the emulator's values, and what it emits from then on. */
async function readyConfig(push: boolean) {
  // Each run logs in afresh: the projected token must be valid at the clock's current time.
  await h!.app.projected.rotate();
  const logger = captureLogger();
  const config = createInfisicalConfig({
    siteUrl: proxy!.url,
    kubernetesAuth: { identityId: h!.app.identityId, tokenPath: h!.app.projected.path },
    secrets: { projectId: h!.app.projectId, environment: h!.app.environment, secretPath: h!.app.secretPath },
    logger,
    clock: h!.clock!,
    random: () => 0.5,
    client: { retry: false },
    push,
    refreshIntervalMs: 0,
  });
  await h!.clock!.advance(0);
  const snapshot = await config.ready();
  const changes: Array<ConfigChange<Record<string, string>>> = [];
  const errors: InfisicalK8sError[] = [];
  config.changes$.subscribe((c) => changes.push(c as ConfigChange<Record<string, string>>));
  config.errors$.subscribe((e) => errors.push(e));
  return { config, snapshot, changes, errors, logger };
}

const RUNS = 40;
const settings = { numRuns: RUNS, endOnFailure: true } as const;

describe('Any 200 body on any route (property, through a real proxy in front of the emulator)', () => {
  it('the list: the snapshot changes only on a well-formed list, and then exactly to it; anything else is BAD_RESPONSE', async () => {
    await setUp();
    const seen = { lists: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(listBodies, contentTypes, async (body, contentType) => {
        const expected = wellFormedList(body);
        fc.pre(expected !== 'skip');
        seen[expected === undefined ? 'refused' : 'lists'] += 1;
        const { config, snapshot, changes } = await readyConfig(false);
        try {
          proxy!.state.bad = { route: routes.list, body, contentType };
          const outcome = await config.refresh().then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          const observed = {
            outcome: 'value' in outcome ? 'a snapshot' : isInfisicalK8sError(outcome.error) ? outcome.error.code : `untyped: ${String(outcome.error)}`,
            values: { ...config.snapshot },
            kept: config.snapshot === snapshot,
            changes: changes.length,
            announced: changes[0]?.snapshot === config.snapshot,
          };
          expect(observed, `body ${JSON.stringify(body)}`).toEqual(
            expected === undefined
              ? { outcome: 'BAD_RESPONSE', values: { ...snapshot }, kept: true, changes: 0, announced: false }
              : { outcome: 'a snapshot', values: expected, kept: false, changes: 1, announced: true },
          );
          expect(unhandled).toEqual([]);
        } finally {
          proxy!.state.bad = undefined;
          await config.close();
        }
      }),
      settings,
    );
    expect(proxy!.state.hits).toBeGreaterThan(RUNS / 2);
    // Both halves of the property ran: bodies it must refuse, and lists it must take.
    expect(seen.lists).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('the login: a re-login answered with any body never changes the snapshot; the error is typed', async () => {
    await setUp();
    await fc.assert(
      fc.asyncProperty(tokenBodies, contentTypes, async (body, contentType) => {
        const { config, snapshot, changes } = await readyConfig(false);
        try {
          proxy!.state.bad = { route: routes.login, body, contentType };
          // The server refuses the token once: the config logs in again, and the login gets the body.
          h!.emu.faults.inject({ route: routes.list, status: 401, times: 1 });
          const hits = proxy!.state.hits;
          const error = await config.refresh().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(proxy!.state.hits).toBe(hits + 1);
          // A body that is a token logs in with junk, which the emulator then refuses: an error either way.
          expectTyped(error);
          expect(error.code).toBe(/accessToken/.test(body) ? error.code : 'BAD_RESPONSE');
          expect(config.snapshot).toBe(snapshot);
          expect(changes).toEqual([]);
          expect(unhandled).toEqual([]);
        } finally {
          h!.emu.faults.clear();
          proxy!.state.bad = undefined;
          await config.close();
        }
      }),
      settings,
    );
  });

  it('the renewal: any body never changes the snapshot; the error is typed', async () => {
    // A short TTL: the renewal falls due at about 380 s.
    await setUp({ accessTokenTTL: 600 });
    await fc.assert(
      fc.asyncProperty(tokenBodies, contentTypes, async (body, contentType) => {
        const { config, snapshot, changes, errors } = await readyConfig(false);
        try {
          proxy!.state.bad = { route: routes.renew, body, contentType };
          const hits = proxy!.state.hits;
          await h!.clock!.advance(450_000);
          expect(proxy!.state.hits).toBeGreaterThan(hits);
          for (const error of errors) expectTyped(error);
          const codes = errors.map((e) => e.code);
          expect(/accessToken/.test(body) || codes.includes('BAD_RESPONSE'), `codes ${codes.join(', ')}`).toBe(true);
          // Whatever the renewal made of it, a refresh now reads the emulator's unchanged values or fails typed.
          await config.refresh().catch((e: unknown) => expectTyped(e));
          expect(config.snapshot).toBe(snapshot);
          expect(changes).toEqual([]);
          expect(unhandled).toEqual([]);
        } finally {
          proxy!.state.bad = undefined;
          await config.close();
        }
      }),
      settings,
    );
  });

  it('the event subscription: any body never changes the snapshot; the stream fails typed and the config polls on', async () => {
    await setUp();
    await fc.assert(
      fc.asyncProperty(listBodies, contentTypes, async (body, contentType) => {
        proxy!.state.bad = { route: routes.subscribe, body, contentType };
        const hits = proxy!.state.hits;
        const { config, snapshot, changes, logger } = await readyConfig(true);
        try {
          const pushLine = () => logger.lines.find((l) => l.includes('push: the event stream failed') || l.includes('push notifications refused'));
          await waitFor(() => pushLine() !== undefined, 20_000);
          expect(proxy!.state.hits).toBeGreaterThan(hits);
          // The reason is a stream that ended or a typed client error, never a raw TypeError/SyntaxError.
          expect(pushLine()).toMatch(/\((the stream closed right after opening|Infisical\w*Error: .+|HTTP \d{3}.*)\)/);
          expect(config.status.mode).toBe('polling');
          await config.refresh();
          expect(config.snapshot).toBe(snapshot);
          expect(changes).toEqual([]);
          expect(unhandled).toEqual([]);
        } finally {
          proxy!.state.bad = undefined;
          await config.close();
        }
      }),
      settings,
    );
  });
});
