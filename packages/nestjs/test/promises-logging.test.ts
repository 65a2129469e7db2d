/**
 * The README's logger default for Nest: core's warnings, errors and notices go to Nest's own `Logger`, context
 * `Infisical`, so they reach whatever logger the app gave Nest, and never carry a secret value.
 * Its own file: Nest's logger override is process-wide.
 */
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { InfisicalModule, getSecretsToken, type Secrets } from '@infisical-k8s/nestjs';

// A value the suite's leak scan looks for in all captured output.
const SEEDED = 'S3CRET-VALUE-7d1c5e-nestlog';

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let nest: INestApplicationContext | undefined;

afterEach(async () => {
  await nest?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = nest = undefined;
});

type Line = { level: string; message: string; context: unknown };

/** An app's own logger, as Nest receives it: every call with its context. */
function capture(lines: Line[]): LoggerService {
  const at = (level: string) => (message: unknown, ...rest: unknown[]) => void lines.push({ level, message: String(message), context: rest.at(-1) });
  return { log: at('log'), error: at('error'), warn: at('warn'), debug: at('debug'), verbose: at('verbose'), fatal: at('fatal') };
}

async function start(lines: Line[], emulatorOptions: Parameters<typeof startEmulator>[0] = {}, extra: Record<string, unknown> = {}) {
  emu = await startEmulator(emulatorOptions);
  app = await provision(emu, { secrets: { GREETING: SEEDED } });
  @Module({
    imports: [
      InfisicalModule.forRoot({
        siteUrl: emu.infisicalUrl,
        kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
        secrets: { projectId: app.projectId, environment: 'prod' },
        push: false,
        ...extra,
      }),
    ],
  })
  class AppModule {}
  nest = await NestFactory.createApplicationContext(AppModule, { logger: capture(lines), abortOnError: false });
  return nest.get<Secrets>(getSecretsToken());
}

describe('Option: logger (Nest default)', () => {
  it('a warning and a failed refresh reach the app\'s Nest logger, context Infisical, with no secret value', async () => {
    const lines: Line[] = [];
    const secrets = await start(lines, {}, { tls: { rejectUnauthorized: false } });
    expect(secrets.get('GREETING')).toBe(SEEDED);
    emu!.faults.inject({ route: 'GET /api/v4/secrets', status: 500 });
    await secrets.refresh().catch(() => undefined);
    const ours = lines.filter((line) => line.context === 'Infisical');
    expect(ours).toContainEqual({ level: 'warn', message: expect.stringContaining('TLS CERTIFICATE VERIFICATION IS OFF'), context: 'Infisical' });
    expect(ours).toContainEqual({ level: 'error', message: expect.stringContaining('serving the last good snapshot'), context: 'Infisical' });
    for (const line of lines) expect(line.message).not.toContain(SEEDED);
  });

  it('a notice (an older Infisical server, answered on its v3 routes) reaches it as a log line', async () => {
    const lines: Line[] = [];
    const secrets = await start(lines, { generation: '2024' });
    expect(secrets.get('GREETING')).toBe(SEEDED);
    expect(lines.filter((line) => line.context === 'Infisical')).toContainEqual({ level: 'log', message: expect.stringContaining('/api/v3/secrets/raw'), context: 'Infisical' });
  });
});
