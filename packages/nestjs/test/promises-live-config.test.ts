/**
 * What an app may do with `infisicalConfigLoader()` and `InfisicalConfigModule`: only loaders are accepted, a
 * namespace view behaves like a read-only object of the latest keys, and `ConfigService.set` pins a root key.
 */
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { InfisicalConfigModule, infisicalConfigLoader } from '@infisical-k8s/nestjs';

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let moduleRef: TestingModule | undefined;

afterEach(async () => {
  await moduleRef?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = moduleRef = undefined;
});

async function options() {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { A: 'one', B: 'two' } });
  return {
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    push: false,
  };
}

describe('Method: InfisicalConfigModule.register', () => {
  it.each([
    ['a plain @nestjs/config factory', () => () => ({ A: 'x' }), 'function'],
    ['registerAs around a plain factory', () => registerAs('plain', () => ({ A: 'x' })), 'function'],
    ['an object that looks like a loader', () => ({ config: { ready: () => Promise.resolve({}) } }), 'object'],
    ['a function whose config cannot be awaited', () => Object.assign(() => ({}), { config: { ready: 'soon' } }), 'function'],
  ])('refuses %s, naming its position and kind', (_kind, make, kind) => {
    // Never reaches a network: the token file does not exist, and the site is a closed loopback port.
    const loader = infisicalConfigLoader({ siteUrl: 'http://127.0.0.1:9', kubernetesAuth: { identityId: 'id', tokenPath: '/nonexistent/token' }, secrets: { projectId: 'p', environment: 'prod' }, push: false });
    try {
      expect(() => InfisicalConfigModule.register(loader, make() as never)).toThrow(
        expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining(`argument 2 is a ${kind}, not a loader from infisicalConfigLoader()`) }),
      );
    } finally {
      void loader.config.close();
    }
  });
});

describe('Object: a namespace view', () => {
  it('has exactly the latest keys (in, hasOwn, keys, spread), and refuses writes with an error that names the fix', async () => {
    const base = await options();
    const ns = registerAs('ns', infisicalConfigLoader(base));
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ load: [ns], ignoreEnvFile: true, skipProcessEnv: true }), InfisicalConfigModule.register(ns)],
    }).compile();
    await moduleRef.init();
    const view = moduleRef.get(ConfigService).get<Record<string, string>>('ns')!;
    expect(['A' in view, 'MISSING' in view, Object.hasOwn(view, 'A'), Object.hasOwn(view, 'MISSING')]).toEqual([true, false, true, false]);
    expect({ ...view }).toEqual({ A: 'one', B: 'two' });
    expect(Object.keys(view)).toEqual(['A', 'B']);
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'C', value: 'three' });
    emu!.deleteSecret({ projectId: app!.projectId, environment: 'prod', key: 'A' });
    await ns.config.refresh();
    expect(['A' in view, 'C' in view]).toEqual([false, true]);
    expect({ ...view }).toEqual({ B: 'two', C: 'three' });
    const readOnly = /read-only.*Change the secret in Infisical/;
    expect(() => {
      (view as Record<string, string>).B = 'x';
    }).toThrow(readOnly);
    expect(() => delete (view as Record<string, string>).B).toThrow(readOnly);
    expect(() => Object.defineProperty(view, 'B', { value: 'x' })).toThrow(readOnly);
    expect(view.B).toBe('two');
  });
});

describe('Method: ConfigService.set on a root key', () => {
  it('pins the key to the value set last, however often it is set', async () => {
    const base = await options();
    const root = infisicalConfigLoader(base);
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ load: [root], ignoreEnvFile: true, skipProcessEnv: true }), InfisicalConfigModule.register(root)],
    }).compile();
    await moduleRef.init();
    const configService = moduleRef.get(ConfigService);
    configService.set('A', 'first');
    configService.set('A', 'second');
    expect(configService.get('A')).toBe('second');
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'A', value: 'from infisical' });
    await root.config.refresh();
    expect([configService.get('A'), configService.get('B')]).toEqual(['second', 'two']);
  });
});
