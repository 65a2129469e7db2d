import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as nodeInfisical from 'node-infisical';
import type { InfisicalClient } from 'node-infisical';
import { createInfisicalConfig, type InfisicalK8sError } from '@infisical-k8s/core';
import { SecretSources } from '../src/secrets/secret-source.js';
import type { ResolvedSource } from '../src/options/resolve.js';
import { captureLogger, harness, routes, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (proxy) await new Promise((r) => proxy!.close(r));
  proxy = undefined;
});

/** node-infisical of the client branch validates 2xx shapes and redirects; this branch's client does not yet. */
const clientValidatesShapes = 'InfisicalRedirectError' in nodeInfisical;

describe('Quiet misconfiguration is reported', () => {
  it('a first load that finds no secrets warns once, naming the environment and path (a typo answers an empty list)', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const logger = captureLogger();
    const config = createInfisicalConfig({
      siteUrl: h.emu.infisicalUrl,
      kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
      secrets: [
        { projectId: h.app.projectId, environment: 'prod', secretPath: '/' },
        { projectId: h.app.projectId, environment: 'prd', secretPath: '/' },
        { projectId: h.app.projectId, environment: 'prod', secretPath: '/typo' },
      ],
      push: false,
      logger,
      clock: h.clock!,
      client: { retry: false },
    });
    await h.clock!.advance(0);
    expect(await config.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
    await config.refresh();
    await config.refresh();
    await config.close();
    const empty = logger.lines.filter((l) => l.includes('no secrets in'));
    expect(empty).toHaveLength(2);
    expect(empty[0]).toMatch(/^warn no secrets in environment 'prd', path '\/' of project '[^']+': .*Check secrets\.environment and secrets\.secretPath/);
    expect(empty[1]).toMatch(/^warn no secrets in environment 'prod', path '\/typo'/);
    // The harness's own source has secrets: no warning there.
    expect(h.logger.lines.filter((l) => l.includes('no secrets in'))).toEqual([]);
  });

  it('recursive: a key several folders define goes to the shallowest folder, with one warning naming key and folders (never values)', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const { projectId } = h.app;
    h.emu.setSecret({ projectId, environment: 'prod', secretPath: '/team', key: 'GREETING', value: 'from-team-5ecret' });
    h.emu.setSecret({ projectId, environment: 'prod', secretPath: '/team/deep', key: 'GREETING', value: 'from-deep-5ecret' });
    h.emu.setSecret({ projectId, environment: 'prod', secretPath: '/b', key: 'ONLY_SUB', value: 'from-b-5ecret' });
    h.emu.setSecret({ projectId, environment: 'prod', secretPath: '/a', key: 'ONLY_SUB', value: 'from-a-5ecret' });
    h.emu.setSecret({ projectId, environment: 'prod', secretPath: '/a/x', key: 'NEW_KEY', value: 'nested' });
    const logger = captureLogger();
    const config = createInfisicalConfig({
      siteUrl: h.emu.infisicalUrl,
      kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
      secrets: { projectId, environment: 'prod', secretPath: '/', recursive: true },
      push: false,
      logger,
      clock: h.clock!,
      client: { retry: false },
    });
    await h.clock!.advance(0);
    expect(await config.ready()).toEqual({ GREETING: 'hello', PORT: '8080', ONLY_SUB: 'from-a-5ecret', NEW_KEY: 'nested' });
    await config.refresh();
    await config.close();
    const warnings = logger.lines.filter((l) => l.includes('is defined in several folders'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^warn secret GREETING is defined in several folders of the recursive source .*: '\/', '\/team', '\/team\/deep'\. The shallowest folder wins \('\/'\)/);
    expect(warnings[1]).toMatch(/^warn secret ONLY_SUB .*: '\/a', '\/b'\. The shallowest folder wins \('\/a'\)/);
    expect(logger.lines.join('\n')).not.toMatch(/5ecret/);
  });
});

describe('A list that fails keeps the last good snapshot', () => {
  it('a 200 with malformed JSON is BAD_RESPONSE: snapshot kept, no change announced, not stale-making, next success clears it', async () => {
    h = await harness({ config: { push: false } });
    const snapshot = await h.config.ready();
    const changes: unknown[] = [];
    h.config.changes$.subscribe((c) => changes.push(c));
    h.emu.faults.inject({ route: routes.list, malformed: true, times: 1 });
    const error = (await h.config.refresh().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
    expect(h.config.snapshot).toBe(snapshot);
    expect(h.config.status.lastError).toMatchObject({ code: 'BAD_RESPONSE' });
    expect(await h.config.refresh()).toBe(snapshot);
    expect(h.config.status.lastError).toBeUndefined();
    expect(changes).toEqual([]);
  });

  it.skipIf(!clientValidatesShapes)('a 200 whose body is not a secret list never wipes the config (client branch: BAD_RESPONSE)', async () => {
    h = await harness({ config: { push: false } });
    const snapshot = await h.config.ready();
    const changes: unknown[] = [];
    h.config.changes$.subscribe((c) => changes.push(c));
    h.emu.faults.inject({ route: routes.list, status: 200, body: { message: 'Welcome to the portal' }, times: 1 });
    await expect(h.config.refresh()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    expect(h.config.snapshot).toBe(snapshot);
    expect(changes).toEqual([]);
  });
});

/** A stand-in client whose list answers like the client branch's: `etag`, and `notModified` on a matching If-None-Match. */
function etagClient(pages: Array<Record<string, string>>): { client: InfisicalClient; sent: Array<string | undefined> } {
  const sent: Array<string | undefined> = [];
  let page = 0;
  const list = (options: { ifNoneMatch?: string }) => {
    sent.push(options.ifNoneMatch);
    const values = pages[Math.min(page, pages.length - 1)]!;
    const etag = `"${createHash('sha1').update(JSON.stringify(values)).digest('hex')}"`;
    page += 1;
    if (options.ifNoneMatch === etag) return Promise.resolve({ secrets: [], imports: [], etag, notModified: true });
    const secrets = Object.entries(values).map(([secretKey, secretValue]) => ({ secretKey, secretValue }));
    return Promise.resolve({ secrets, imports: [], etag, notModified: false });
  };
  return { client: { secrets: { list } } as unknown as InfisicalClient, sent };
}

const source: ResolvedSource = { key: 's', projectId: 'p', environment: 'prod', secretPath: '/', recursive: false, includeImports: true, expandSecretReferences: true, tagSlugs: [] };
const direct = <T>(call: () => Promise<T>) => call();

describe('ETag: If-None-Match on every list after the first', () => {
  it('sends the last ETag; a 304 keeps the last values and says notModified; a change brings a new ETag', async () => {
    const { client, sent } = etagClient([{ A: '1' }, { A: '1' }, { A: '2' }, { A: '2' }]);
    const sources = new SecretSources(client, [source]);
    const first = await sources.fetchAll(direct);
    expect(first).toMatchObject({ values: { A: '1' }, notModified: false });
    const second = await sources.fetchAll(direct);
    expect(second).toMatchObject({ values: { A: '1' }, notModified: true });
    const third = await sources.fetchAll(direct);
    expect(third).toMatchObject({ values: { A: '2' }, notModified: false });
    await sources.fetchAll(direct);
    expect(sent[0]).toBeUndefined();
    expect(sent[1]).toBe(sent[2]);
    expect(sent[3]).not.toBe(sent[1]);
    expect(sent[3]).toMatch(/^"[0-9a-f]{40}"$/);
  });
});

/** A loopback proxy in front of the emulator that adds ETags to the list and answers If-None-Match with 304. */
async function etagProxy(target: string): Promise<{ url: string; notModified: () => number }> {
  let notModified = 0;
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'if-none-match', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      void fetch(`${target}${req.url}`, { method: req.method!, headers, ...(body ? { body } : {}) }).then(async (answer) => {
        const text = await answer.text();
        const isList = req.method === 'GET' && (req.url ?? '').startsWith('/api/v4/secrets?');
        if (isList && answer.status === 200) {
          const etag = `"${createHash('sha1').update(text).digest('hex')}"`;
          if (req.headers['if-none-match'] === etag) {
            notModified += 1;
            res.writeHead(304, { etag }).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json', etag }).end(text);
          return;
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
      });
    });
  });
  await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, notModified: () => notModified };
}

describe('ETag through createInfisicalConfig (needs the client branch: ifNoneMatch / notModified)', () => {
  it('a 304 keeps the snapshot, counts as a successful refresh (not stale, ready), and skips validation', async (context) => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const { url, notModified } = await etagProxy(h.emu.infisicalUrl);
    const probe = new nodeInfisical.InfisicalClient({ baseUrl: url, accessToken: h.emu.admin.accessToken, retry: false });
    const probeList = (await probe.secrets.list({ projectId: h.app.projectId, environment: 'prod' })) as object;
    await probe.close();
    if (!('notModified' in probeList)) context.skip('this branch of node-infisical has no ETag support yet');

    let validations = 0;
    const schema = { '~standard': { version: 1 as const, vendor: 'test', validate: (value: unknown) => (validations++, { value }) } };
    const config = createInfisicalConfig({
      siteUrl: url,
      kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
      secrets: { projectId: h.app.projectId, environment: 'prod' },
      schema,
      push: false,
      refreshIntervalMs: 60_000,
      maxStalenessMs: 120_000,
      logger: captureLogger(),
      clock: h.clock!,
      random: () => 0.5,
      client: { retry: false },
    });
    const changes: unknown[] = [];
    config.changes$.subscribe((c) => changes.push(c));
    await h.clock!.advance(0);
    const snapshot = await config.ready();
    await h.clock!.advance(10 * 60_000);
    expect(notModified()).toBeGreaterThanOrEqual(8);
    expect(validations).toBe(1);
    expect(changes).toHaveLength(1);
    expect(config.snapshot).toBe(snapshot);
    expect(config.isReady()).toBe(true);
    expect(h.clock!.now() - config.status.lastSuccessAt!).toBeLessThan(70_000);
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'changed' });
    await h.clock!.advance(70_000);
    expect(config.snapshot).toMatchObject({ GREETING: 'changed' });
    expect(validations).toBe(2);
    await config.close();
  });
});
