import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, InfisicalK8sError, type InfisicalMiddleware, type InfisicalMiddlewareOptions } from '@infisical-k8s/express';
import { listenOn } from './support/listen.js';

// A value the suite's leak scan looks for: a bad option's value must never be echoed.
const SEEDED = 'S3CRET-VALUE-7d1c5e-option';
// Enough for core to accept the options, so only the adapter's own checks decide.
const valid = { siteUrl: 'http://127.0.0.1:9', kubernetesAuth: { identityId: 'id', tokenPath: '/nonexistent/token' }, secrets: { projectId: 'p', environment: 'prod' }, push: false };

let emu: Emulator | undefined;
let app: Provisioned | undefined;
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = undefined;
});

/** What `infisical(options)` threw, or undefined when it returned (and then the returned middleware is closed). */
function thrownBy(options: unknown): unknown {
  try {
    const mw = infisical(options as InfisicalMiddlewareOptions);
    closers.push(() => mw.close());
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('Function: infisical, its own options', () => {
  describe.each(['waitForSecretsMs', 'retryAfterSeconds'] as const)('Option: %s', (name) => {
    it.each([
      ['a negative number', -1],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['a numeric string', '5'],
      ['a string holding a secret', SEEDED],
      ['null', null],
    ])('refuses %s at infisical() time: OPTIONS_INVALID naming the option, never the value', (_kind, value) => {
      const error = thrownBy({ ...valid, [name]: value });
      expect(error).toBeInstanceOf(InfisicalK8sError);
      const { code, message } = error as InfisicalK8sError;
      expect(code).toBe('OPTIONS_INVALID');
      expect(message).toContain(name);
      expect(message).toContain('non-negative number');
      for (const shown of [message, inspect(error), JSON.stringify(error)]) expect(shown).not.toContain(SEEDED);
    });

    it('accepts 0 and leaves it unset to take the default', () => {
      expect(thrownBy({ ...valid, [name]: 0 })).toBeUndefined();
      expect(thrownBy({ ...valid, [name]: undefined })).toBeUndefined();
      expect(thrownBy({ ...valid, [name]: 2.5 })).toBeUndefined();
    });
  });

  it.each([
    ['null', null],
    ['a string', 'siteUrl=https://infisical.example'],
    ['a number', 5],
  ])('refuses %s instead of an options object, with OPTIONS_INVALID', (_kind, options) => {
    const error = thrownBy(options);
    expect(error).toBeInstanceOf(InfisicalK8sError);
    expect(error).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('options object') });
  });

  it('a bad option starts nothing: no login reaches Infisical', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'hello' } });
    const options = { siteUrl: emu.infisicalUrl, kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path }, secrets: { projectId: app.projectId, environment: 'prod' }, push: false };
    expect(thrownBy({ ...options, retryAfterSeconds: -5 })).toMatchObject({ code: 'OPTIONS_INVALID' });
    // The same options, valid, do log in: the count above would have moved.
    const mw = infisical(options);
    closers.push(() => mw.close());
    await mw.ready();
    expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login')).toBe(1);
  });
});

describe('Option: waitForSecretsMs and retryAfterSeconds at 0', () => {
  it('a request before the first snapshot is answered 503 at once, with Retry-After: 0', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'hello' } });
    // Infisical never answers the login: only waitForSecretsMs can end the request.
    emu.faults.inject({ route: 'POST /api/v1/auth/kubernetes-auth/login', hang: true });
    const mw: InfisicalMiddleware<unknown> = infisical({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      push: false,
      waitForSecretsMs: 0,
      retryAfterSeconds: 0,
      logger: { warn: () => undefined, error: () => undefined },
    });
    closers.push(() => mw.close());
    const web = express();
    web.use(mw);
    web.get('/', (_req, res) => void res.send('served'));
    const { url, close } = await listenOn(web);
    closers.push(close);
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('0');
    expect(await res.json()).toMatchObject({ code: 'NOT_READY' });
  });
});
