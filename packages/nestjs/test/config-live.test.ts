import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import { Inject, Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs, type ConfigType } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { InfisicalConfigModule, infisicalConfigLoader } from '@infisical-k8s/nestjs';

// A value the suite's leak scan looks for in all captured output (test/support/leak-scan.ts).
const SEEDED = 'S3CRET-VALUE-7d1c5e';
const rootSchema = z.object({ GREETING: z.string(), PORT: z.coerce.number() });
const dbSchema = z.object({ PASSWORD: z.string(), POOL: z.coerce.number() });

let emu: Emulator | undefined;
const apps: Provisioned[] = [];
let moduleRef: TestingModule | undefined;

afterEach(async () => {
  await moduleRef?.close();
  await emu?.close();
  for (const app of apps.splice(0)) await rm(app.projected.dir, { recursive: true, force: true });
  emu = moduleRef = undefined;
});

async function source(secrets: Record<string, string>, secretPath = '/') {
  emu ??= await startEmulator();
  const app = await provision(emu, { secrets, secretPath });
  apps.push(app);
  return {
    app,
    options: {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod', secretPath },
      push: false,
    },
  };
}

async function loaders() {
  const { app, options } = await source({ GREETING: 'hello', PORT: '8080' });
  emu!.setSecrets(app.projectId, 'prod', { PASSWORD: 'first-pw', POOL: '5' }, '/db');
  const root = infisicalConfigLoader({ ...options, schema: rootSchema });
  const db = registerAs('db', infisicalConfigLoader({ ...options, secrets: { ...options.secrets, secretPath: '/db' }, schema: dbSchema }));
  return { app, root, db };
}

describe('Module: live @nestjs/config', () => {
  it('ConfigService.get reads the latest snapshot: root keys and a registerAs namespace, typed by the schema', async () => {
    const { app, root, db } = await loaders();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ load: [root, db], ignoreEnvFile: true, skipProcessEnv: true }), InfisicalConfigModule.register(root, db)],
    }).compile();
    await moduleRef.init();
    const configService = moduleRef.get(ConfigService);
    const dbConfig = moduleRef.get<ConfigType<typeof db>>(db.KEY);
    expectTypeOf(dbConfig.POOL).toEqualTypeOf<number>();
    expect([configService.get('GREETING'), configService.get('PORT'), configService.get('db.PASSWORD'), configService.get('db.POOL')]).toEqual(['hello', 8080, 'first-pw', 5]);
    expect(configService.get('PASSWORD')).toBeUndefined(); // a namespace stays under its token

    emu!.setSecret({ projectId: app.projectId, environment: 'prod', key: 'GREETING', value: 'changed' });
    emu!.setSecret({ projectId: app.projectId, environment: 'prod', key: 'PORT', value: '9090' });
    emu!.setSecrets(app.projectId, 'prod', { PASSWORD: 'second-pw', POOL: '7' }, '/db');
    await Promise.all([root.config.refresh(), db.config.refresh()]);

    expect([configService.get('GREETING'), configService.get('PORT'), configService.get('db.PASSWORD'), configService.get('db.POOL')]).toEqual(['changed', 9090, 'second-pw', 7]);
    expect([dbConfig.PASSWORD, dbConfig.POOL]).toEqual(['second-pw', 7]);
    await moduleRef.close();
    moduleRef = undefined;
    expect([root.config.status.closed, db.config.status.closed]).toEqual([true, true]);
  });

  it('a feature module binds its own source with ConfigModule.forFeature', async () => {
    const { root } = await loaders();
    const { app: other, options } = await source({ API_KEY: 'key-one' });
    const payments = registerAs('payments', infisicalConfigLoader(options));

    @Injectable()
    class PaymentsService {
      constructor(@Inject(payments.KEY) readonly settings: ConfigType<typeof payments>) {}
    }
    @Module({ imports: [ConfigModule.forFeature(payments), InfisicalConfigModule.register(payments)], providers: [PaymentsService], exports: [PaymentsService] })
    class PaymentsModule {}

    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ load: [root], ignoreEnvFile: true, skipProcessEnv: true }), InfisicalConfigModule.register(root), PaymentsModule],
    }).compile();
    await moduleRef.init();
    const configService = moduleRef.get(ConfigService);
    const service = moduleRef.get(PaymentsService);
    expect([configService.get('payments.API_KEY'), service.settings.API_KEY, configService.get('GREETING')]).toEqual(['key-one', 'key-one', 'hello']);

    emu!.setSecret({ projectId: other.projectId, environment: 'prod', key: 'API_KEY', value: 'key-two' });
    await payments.config.refresh();
    expect([configService.get('payments.API_KEY'), service.settings.API_KEY]).toEqual(['key-two', 'key-two']);
  });

  it('follows a change pushed by Infisical, with no refresh() call', async () => {
    const { app, options } = await source({ GREETING: 'hello', PORT: '8080' });
    // Push is on; the short poll only covers a change made before the event stream connected (events are not replayed).
    const root = infisicalConfigLoader({ ...options, push: true, refreshIntervalMs: 500, schema: rootSchema });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ load: [root], ignoreEnvFile: true, skipProcessEnv: true }), InfisicalConfigModule.register(root)],
    }).compile();
    await moduleRef.init();
    const configService = moduleRef.get(ConfigService);
    const changed = firstValueFrom(root.config.changes$.pipe(filter(({ changedKeys }) => changedKeys.includes('PORT'))));
    emu!.setSecret({ projectId: app.projectId, environment: 'prod', key: 'PORT', value: '9443' });
    await changed;
    expect(configService.get<number>('PORT')).toBe(9443);
  });

  it('follows keys added and removed in Infisical, and ConfigService.set pins a key', async () => {
    const { app, options } = await source({ A: 'one', B: 'two' });
    const root = infisicalConfigLoader(options);
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ load: [root], ignoreEnvFile: true, skipProcessEnv: true }), InfisicalConfigModule.register(root)],
    }).compile();
    await moduleRef.init();
    const configService = moduleRef.get(ConfigService);
    emu!.setSecret({ projectId: app.projectId, environment: 'prod', key: 'C', value: 'three' });
    emu!.deleteSecret({ projectId: app.projectId, environment: 'prod', key: 'B' });
    await root.config.refresh();
    expect([configService.get('A'), configService.get('B'), configService.get('C')]).toEqual(['one', undefined, 'three']);

    configService.set('A', 'pinned');
    emu!.setSecret({ projectId: app.projectId, environment: 'prod', key: 'A', value: 'four' });
    await root.config.refresh();
    expect(configService.get('A')).toBe('pinned');
    expect(root.config.get('A')).toBe('four');
  });
});

describe('Module: live @nestjs/config never shows a value', () => {
  it('util.inspect and JSON.stringify of ConfigService and of a namespace show no value; a namespace is read-only', async () => {
    const { app, root, db } = await loaders();
    emu!.setSecret({ projectId: app.projectId, environment: 'prod', secretPath: '/db', key: 'PASSWORD', value: SEEDED });
    await db.config.refresh();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ load: [root, db], ignoreEnvFile: true, skipProcessEnv: true }), InfisicalConfigModule.register(root, db)],
    }).compile();
    await moduleRef.init();
    const configService = moduleRef.get(ConfigService);
    const view = configService.get<Record<string, unknown>>('db')!;
    const shown = [inspect(configService, { depth: 5 }), inspect(view), JSON.stringify(view), JSON.stringify((configService as unknown as { internalConfig: unknown }).internalConfig), String(view)];
    for (const text of shown) for (const secret of ['hello', SEEDED]) expect(text).not.toContain(secret);
    expect(inspect(view)).toBe('InfisicalLiveSecrets { keys: 2 }');
    // Printed on purpose: the leak scan checks the captured output too.
    console.log('config service:', configService, 'db view:', view, JSON.stringify({ view }));
    expect(() => configService.set('db.PASSWORD', 'x')).toThrow(TypeError);
    expect(view.PASSWORD).toBe(SEEDED);
  });
});

describe('Module: InfisicalConfigModule options', () => {
  it('rejects what is not a loader, naming the argument', () => {
    expect(() => InfisicalConfigModule.register({} as never)).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('argument 1') }));
    expect(() => InfisicalConfigModule.register()).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('at least one loader') }));
  });

  it('a failed first load fails the boot with the typed error and closes the config', async () => {
    const { options } = await source({ A: 'one' });
    const root = infisicalConfigLoader({ ...options, kubernetesAuth: { ...options.kubernetesAuth, tokenPath: '/nonexistent/token' }, initialRetries: 1 });
    const compiling = Test.createTestingModule({ imports: [ConfigModule.forRoot({ load: [root], ignoreEnvFile: true }), InfisicalConfigModule.register(root)] }).compile();
    await expect(compiling).rejects.toMatchObject({ code: 'TOKEN_FILE_MISSING' });
    expect(root.config.status.closed).toBe(true);
  });

  it('without ConfigModule.forRoot, init fails with OPTIONS_INVALID naming it', async () => {
    const { options } = await source({ A: 'one' });
    const root = infisicalConfigLoader(options);
    moduleRef = await Test.createTestingModule({ imports: [InfisicalConfigModule.register(root)] }).compile();
    await expect(moduleRef.init()).rejects.toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('ConfigModule.forRoot') });
  });
});
