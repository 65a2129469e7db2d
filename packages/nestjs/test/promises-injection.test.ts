/**
 * `@InjectSecrets()`, `@InjectSecretChanges()` and `isGlobal`, as an app uses them. The classes are declared inside
 * each test: decorators run when a class is declared, and that is what these tests are about.
 */
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { InfisicalModule, InjectSecretChanges, InjectSecrets, type ConfigChange, type Secrets } from '@infisical-k8s/nestjs';

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let nest: INestApplicationContext | undefined;

afterEach(async () => {
  await nest?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = nest = undefined;
});

async function options() {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { GREETING: 'hello' } });
  return {
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    push: false,
  };
}

describe('Decorator: InjectSecrets and InjectSecretChanges', () => {
  it('inject the live config and its changes$ into a constructor and into properties', async () => {
    const base = await options();
    @Injectable()
    class Greeter {
      @InjectSecrets() readonly viaProperty!: Secrets;
      @InjectSecretChanges() readonly changesViaProperty!: Observable<ConfigChange<Record<string, string>>>;
      constructor(
        @InjectSecrets() readonly secrets: Secrets,
        @InjectSecretChanges() readonly changes$: Observable<ConfigChange<Record<string, string>>>,
      ) {}
    }
    @Module({ imports: [InfisicalModule.forRoot(base)], providers: [Greeter] })
    class AppModule {}
    nest = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const greeter = nest.get(Greeter);
    expect(greeter.secrets.get('GREETING')).toBe('hello');
    expect(greeter.viaProperty).toBe(greeter.secrets);
    expect(greeter.changesViaProperty).toBe(greeter.changes$);
    const change = firstValueFrom(greeter.changes$);
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'GREETING', value: 'changed' });
    await greeter.secrets.refresh();
    expect(await change).toMatchObject({ changedKeys: ['GREETING'] });
  });
});

describe('Option: isGlobal', () => {
  it('false by default: a module that does not import InfisicalModule cannot inject the config', async () => {
    const base = await options();
    @Injectable()
    class Elsewhere {
      constructor(@InjectSecrets() readonly secrets: Secrets) {}
    }
    @Module({ providers: [Elsewhere] })
    class FeatureModule {}
    @Module({ imports: [InfisicalModule.forRoot(base), FeatureModule] })
    class AppModule {}
    const error = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/can't resolve dependencies of the Elsewhere/i);
  });

  it('true: every module can inject it', async () => {
    const base = await options();
    @Injectable()
    class Elsewhere {
      constructor(@InjectSecrets() readonly secrets: Secrets) {}
    }
    @Module({ providers: [Elsewhere] })
    class FeatureModule {}
    @Module({ imports: [InfisicalModule.forRoot({ ...base, isGlobal: true }), FeatureModule] })
    class AppModule {}
    nest = await NestFactory.createApplicationContext(AppModule, { logger: false });
    expect(nest.get(Elsewhere).secrets.get('GREETING')).toBe('hello');
  });
});
