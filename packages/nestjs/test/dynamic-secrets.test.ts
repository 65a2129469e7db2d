/**
 * A leased database credential through InfisicalModule, over two simulated days: a repository's "pool" reconnects on
 * each change with reason `lease`; every request's query runs against the emulator's database check.
 */
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { Controller, Get, HttpException, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { ManualClock } from '@infisical-k8s/core/testing';
import { InfisicalModule, InjectSecretChanges, InjectSecrets, type ConfigChange, type Secrets } from '@infisical-k8s/nestjs';

const HOUR = 3_600_000;
const schema = z.object({ GREETING: z.string(), DB_USER: z.string(), DB_PASS: z.string() });
type Config = z.infer<typeof schema>;

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let nest: INestApplication | undefined;

afterEach(async () => {
  await nest?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = nest = undefined;
});

@Injectable()
class OrdersRepository {
  pool: { user: string; pass: string };
  reconnects = 0;
  constructor(@InjectSecrets() secrets: Secrets<typeof schema>, @InjectSecretChanges() changes$: Observable<ConfigChange<Config>>) {
    // The connection-pool pattern: connect with the loaded snapshot, reconnect when the lease is replaced.
    this.pool = { user: secrets.get('DB_USER'), pass: secrets.get('DB_PASS') };
    changes$.subscribe(({ snapshot, reason }) => {
      if (reason !== 'lease') return;
      this.pool = { user: snapshot.DB_USER, pass: snapshot.DB_PASS };
      this.reconnects++;
    });
  }
  query(): { ok: true } {
    if (!emu!.dynamicSecrets.accepts(this.pool.user, this.pool.pass)) throw new HttpException('password authentication failed', 500);
    return { ok: true };
  }
}

@Controller()
class OrdersController {
  constructor(private readonly orders: OrdersRepository) {}
  @Get('orders')
  list() {
    return this.orders.query();
  }
}

describe('NestJS: a leased database credential', () => {
  it('the repository reconnects on each replacement; no request uses a dead credential; app.close() revokes the lease', async () => {
    const clock = new ManualClock();
    emu = await startEmulator({ clock });
    app = await provision(emu, { secrets: { GREETING: 'hello' }, token: { expirationSeconds: 40 * 24 * 3600 } });
    const db = emu.createProject({ name: 'orders' });
    emu.addIdentityToProject(db.id, app.identityId, 'member');
    emu.createDynamicSecret({ projectId: db.id, environment: 'prod', name: 'orders-db', defaultTtl: '1h', maxTtl: '4h' });
    const options = {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: [
        { projectId: app.projectId, environment: 'prod' },
        { dynamic: 'orders-db', projectSlug: db.slug, environment: 'prod', fields: { DB_USERNAME: 'DB_USER', DB_PASSWORD: 'DB_PASS' } },
      ],
      schema,
      clock,
      push: false,
      refreshIntervalMs: 0,
      tokenFileCheckIntervalMs: 10 * 24 * HOUR,
    };
    @Module({ imports: [InfisicalModule.forRoot({ ...options, isGlobal: true })], providers: [OrdersRepository], controllers: [OrdersController] })
    class AppModule {}
    nest = await NestFactory.create(AppModule, { logger: false });
    const address = (await (await nest.listen(0, '127.0.0.1')).address()) as { port: number };
    const url = `http://127.0.0.1:${address.port}/orders`;
    for (let t = 0; t < 48 * HOUR; t += 10 * 60_000) {
      await clock.advance(10 * 60_000);
      expect((await fetch(url)).status).toBe(200);
      expect(emu.dynamicSecrets.liveLeases('orders-db')).toBeLessThanOrEqual(2);
    }
    expect(nest.get(OrdersRepository).reconnects).toBeGreaterThanOrEqual(13);
    await nest.close();
    nest = undefined;
    expect(emu.dynamicSecrets.liveLeases('orders-db')).toBe(0);
  }, 120_000);
});
