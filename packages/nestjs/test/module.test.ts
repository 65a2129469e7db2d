import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Observable } from 'rxjs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import {
  InfisicalModule,
  InfisicalReadiness,
  InjectSecretChanges,
  InjectSecrets,
  getSecretsToken,
  infisicalConfigLoader,
  type ConfigChange,
  type Secrets,
} from '@infisical-k8s/nestjs';

const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number() });
type Config = z.infer<typeof schema>;

@Injectable()
class GreetingService {
  changes = 0;
  constructor(
    @InjectSecrets() private readonly secrets: Secrets<typeof schema>,
    @InjectSecretChanges() changes$: Observable<ConfigChange<Config>>,
  ) {
    changes$.subscribe(() => (this.changes += 1));
  }
  greeting(): string {
    return this.secrets.get('GREETING');
  }
  port(): number {
    return this.secrets.get('PORT');
  }
}

@Controller()
class GreetingController {
  constructor(
    private readonly service: GreetingService,
    private readonly readiness: InfisicalReadiness,
  ) {}
  @Get()
  root() {
    return { greeting: this.service.greeting(), port: this.service.port() };
  }
  @Get('ready')
  ready() {
    return this.readiness.check();
  }
}

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let nest: INestApplication | undefined;

afterEach(async () => {
  await nest?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = nest = undefined;
});

async function setup() {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { GREETING: 'hello', PORT: '8080' } });
  return {
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    schema,
    push: false,
  };
}

function appModule(options: Awaited<ReturnType<typeof setup>>) {
  @Module({ imports: [InfisicalModule.forRoot({ ...options, isGlobal: true })], providers: [GreetingService], controllers: [GreetingController] })
  class AppModule {}
  return AppModule;
}

describe('Module: InfisicalModule', () => {
  it('injects the typed, live config on platform-express, over real HTTP', async () => {
    const options = await setup();
    nest = await NestFactory.create(appModule(options), { logger: false });
    const url = await (await nest.listen(0, '127.0.0.1')).address();
    const base = `http://127.0.0.1:${(url as { port: number }).port}`;
    expect(await (await fetch(base)).json()).toEqual({ greeting: 'hello', port: 8080 });
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'GREETING', value: 'changed' });
    await app!.projected.rotate();
    await nest.get<Secrets<typeof schema>>(getSecretsToken()).refresh();
    expect(await (await fetch(base)).json()).toEqual({ greeting: 'changed', port: 8080 });
    expect(nest.get(GreetingService).changes).toBeGreaterThanOrEqual(1);
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready', stale: false });
  });

  it('works on platform-fastify', async () => {
    const options = await setup();
    const fastifyApp = await NestFactory.create<NestFastifyApplication>(appModule(options), new FastifyAdapter(), { logger: false });
    nest = fastifyApp;
    await fastifyApp.init();
    await fastifyApp.getHttpAdapter().getInstance().ready();
    const res = await fastifyApp.inject({ method: 'GET', url: '/' });
    expect(res.json()).toEqual({ greeting: 'hello', port: 8080 });
  });

  it('forRootAsync takes options from a factory', async () => {
    const options = await setup();
    const moduleRef = await Test.createTestingModule({
      imports: [InfisicalModule.forRootAsync({ useFactory: () => options })],
    }).compile();
    const secrets = moduleRef.get<Secrets<typeof schema>>(getSecretsToken());
    expect(secrets.get('PORT')).toBe(8080);
    expectTypeOf(secrets.get('PORT')).toEqualTypeOf<number>();
    await moduleRef.close();
    expect(secrets.status.closed).toBe(true);
  });

  it('fails NestFactory.create with the typed error, naming the fix and no secret', async () => {
    const options = await setup();
    const error = await NestFactory.create(appModule({ ...options, kubernetesAuth: { ...options.kubernetesAuth, tokenPath: '/nonexistent/token' }, initialRetries: 1 } as never), {
      logger: false,
      abortOnError: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOKEN_FILE_MISSING', hint: expect.stringContaining('projected') });
  });

  it('feeds @nestjs/config: ConfigService reads Infisical values, mirrored through changes$', async () => {
    const options = await setup();
    const loader = infisicalConfigLoader(options);
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot({ load: [loader], ignoreEnvFile: true })] }).compile();
    const configService = moduleRef.get(ConfigService);
    expect(configService.get('GREETING')).toBe('hello');
    loader.config.changes$.subscribe(({ snapshot, changedKeys }) => {
      for (const key of changedKeys) configService.set(key, (snapshot as Record<string, unknown>)[key]);
    });
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'GREETING', value: 'live' });
    await loader.config.refresh();
    expect(configService.get('GREETING')).toBe('live');
    await moduleRef.close();
    await loader.config.close();
  });
});

describe('Module: InfisicalModule options', () => {
  it('rejects missing options at module creation with a clear error', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) if (key.startsWith('INFISICAL_')) delete process.env[key];
    try {
      @Module({ imports: [InfisicalModule.forRoot({ push: false })] })
      class BareModule {}
      const error = await NestFactory.create(BareModule, { logger: false, abortOnError: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('INFISICAL_KUBERNETES_IDENTITY_ID') });
    } finally {
      process.env = saved;
    }
  });
});
