// What a framework prints when the fetched secrets fail the schema at boot: the Fastify plugin, the Nest module
// and Express `ready()`, against the emulator. Schema libraries quote the failing value in their messages
// (valibot raw inside quotes, zod through V8's JSON.parse error); none of it may reach the output.
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { format, inspect } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical } from '@infisical-k8s/express';
import { infisicalPlugin, type InfisicalPluginOptions } from '@infisical-k8s/fastify';
import { InfisicalModule } from '@infisical-k8s/nestjs';

type Schema = NonNullable<InfisicalPluginOptions['schema']>;
/** The slice of Express this test uses (the test package carries no Express types). */
type ExpressApp = { get(path: string, handler: unknown): void; use(handler: unknown): void; listen(port: number, host: string): import('node:http').Server };

/** Values as they come: a PEM key, a JSON credential, quotes and backslashes, unicode, a two-letter word. */
const TRICKY: Record<string, string> = {
  PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw\nggSjAgEAAoIBAQC7o4qne60TB3pVhY\n-----END PRIVATE KEY-----\n',
  CREDENTIALS: JSON.stringify({ type: 'service_account', private_key: 'k-line-1\nk-line-2 "q" \\ end', client_email: 'svc@proj.iam' }),
  QUOTED: `it's a "quoted" \\ back\\slash value`,
  UNICODE: 'pässwörd-😀-ünïcode-secret',
  PERCENT: 'p%20w&d=1+2?x/y#z',
  SHORT: 'in',
};
/** The same keys with placeholder values that fail the same way: the output's fixed wording. */
const PLACEHOLDERS: Record<string, string> = { ...Object.fromEntries(Object.keys(TRICKY).map((k) => [k, 'zz placeholder zz'])), CREDENTIALS: '{"type":"zz"}' };

const valibotSchema = v.object({
  PRIVATE_KEY: v.pipe(v.string(), v.startsWith('ssh-')),
  CREDENTIALS: v.pipe(v.string(), v.email()),
  QUOTED: v.pipe(v.string(), v.regex(/^\d+$/)),
  UNICODE: v.picklist(['a', 'b']),
  PERCENT: v.pipe(v.string(), v.url()),
  SHORT: v.literal('on'),
});
const zodSchema = z.object({
  PRIVATE_KEY: z.string().regex(/^ssh-/),
  CREDENTIALS: z.string().transform((s) => JSON.parse(s) as unknown).pipe(z.object({ type: z.literal('authorized_user') })),
  QUOTED: z.coerce.number(),
  UNICODE: z.email(),
  PERCENT: z.enum(['a', 'b']),
  SHORT: z.enum(['on', 'off']),
});
/** A transform that throws: V8's SyntaxError quotes the value it could not parse. */
const throwingSchema = z.object({ PRIVATE_KEY: z.string().transform((s) => JSON.parse(s) as unknown) });

let emu: Emulator;
const provisioned: Provisioned[] = [];
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  for (const app of provisioned) {
    app.projected.stop();
    await rm(app.projected.dir, { recursive: true, force: true });
  }
  await emu?.close();
});

async function coreOptions(secrets: Record<string, string>, schema: Schema) {
  const app = await provision(emu, { secrets });
  provisioned.push(app);
  return {
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: app.environment, secretPath: app.secretPath },
    schema,
    push: false,
    initialRetries: 1,
    client: { retry: false as const },
  };
}

/** Runs `boot` with stdout, stderr and the console captured (not echoed); returns all of it and what was thrown. */
async function captured(boot: (print: (text: string) => void) => Promise<unknown>): Promise<string[]> {
  const out: string[] = [];
  const print = (text: string) => void out.push(text);
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const consoles = methods.map((method) => console[method]);
  for (const stream of streams) stream.write = ((chunk: unknown) => (print(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8')), true)) as typeof stream.write;
  for (const method of methods) console[method] = (...args: unknown[]) => print(format(...args));
  try {
    const error = await boot(print).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'the boot should fail').toBeDefined();
    // What an app does with a boot error: log it, print it, ship it as JSON.
    console.error(error);
    console.error('boot failed:', String(error));
    print(inspect(error, { showHidden: true, depth: 10 }));
    print(JSON.stringify(error));
    print(String((error as Error).stack));
    for (let cause = (error as { cause?: unknown }).cause; cause !== undefined; cause = (cause as { cause?: unknown }).cause) print(inspect(cause, { showHidden: true }));
  } finally {
    streams.forEach((stream, i) => (stream.write = writes[i]!));
    methods.forEach((method, i) => (console[method] = consoles[i]!));
  }
  return out;
}

type Framework = (secrets: Record<string, string>, schema: Schema) => Promise<string[]>;

const fastify: Framework = async (secrets, schema) => {
  const options = await coreOptions(secrets, schema);
  return captured(async (print) => {
    const app = Fastify({ logger: { level: 'trace', stream: { write: (line: string) => print(line) } } });
    try {
      await app.register(infisicalPlugin, { ...options, readinessRoute: '/ready' });
      await app.ready();
    } catch (error) {
      app.log.error(error as Error);
      app.log.error({ err: error }, 'boot failed');
      throw error;
    } finally {
      await app.close().catch(() => undefined);
    }
  });
};

const nest: Framework = async (secrets, schema) => {
  const options = await coreOptions(secrets, schema);
  return captured(async () => {
    @Module({ imports: [InfisicalModule.forRoot(options as never)] })
    // oxlint-disable-next-line typescript/no-extraneous-class -- a Nest module is an empty decorated class
    class AppModule {}
    // Nest's own ConsoleLogger prints the failing provider's error; abortOnError: false rethrows it instead of exiting.
    const app = await NestFactory.create(AppModule, { abortOnError: false });
    await app.close();
  });
};

const expressReady: Framework = async (secrets, schema) => {
  const options = await coreOptions(secrets, schema);
  return captured(async (print) => {
    const secretsMiddleware = infisical({ ...options, waitForSecretsMs: 0 } as Parameters<typeof infisical>[0]);
    const express = ((await import('express' as string)) as { default: () => ExpressApp }).default;
    const app = express();
    app.get('/ready', secretsMiddleware.readiness);
    app.use(secretsMiddleware);
    app.get('/', (_req: unknown, res: { send(body: string): void }) => res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await secretsMiddleware.ready();
    } finally {
      // The HTTP bodies a client or a probe sees while the config is failing.
      for (const path of ['/', '/ready']) {
        const res = await fetch(base + path);
        print(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
      }
      print(JSON.stringify(secretsMiddleware.config.status));
      await secretsMiddleware.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
};

/** Scrubbing that cuts a quoted value at its first inner quote leaves the rest: every run of this many characters is checked. */
const RUN = 12;

/** The value as it could appear: raw, JSON-escaped, URL-encoded, each of its lines, and each run of RUN characters. */
function forms(text: string): string[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const runs = Array.from({ length: Math.max(0, text.length - RUN + 1) }, (_, i) => text.slice(i, i + RUN)).filter((run) => run.trim().length === RUN);
  return [...new Set([text, JSON.stringify(text).slice(1, -1), encodeURIComponent(text), encodeURI(text), ...lines, ...runs])];
}

describe('Boot output when the secrets fail the schema', () => {
  const cases = [
    // Each with a mark of its own output, so an empty capture cannot pass.
    ['Fastify plugin', fastify, /"level":50/],
    ['Nest module', nest, /\[Nest\].*ERROR/],
    ['Express ready()', expressReady, /^503 .*"code":"CONFIG_INVALID"/m],
  ] as const;
  const schemas = [
    ['valibot (quotes the value raw)', valibotSchema, TRICKY, PLACEHOLDERS],
    ['zod (a JSON.parse transform, an enum)', zodSchema, TRICKY, PLACEHOLDERS],
    ['a throwing transform', throwingSchema, { PRIVATE_KEY: TRICKY.PRIVATE_KEY! }, { PRIVATE_KEY: 'zz placeholder zz' }],
  ] as const;

  for (const [framework, boot, mark] of cases) {
    it.each(schemas)(`${framework}, %s: names the keys, prints no value nor any line of one, raw, JSON-escaped or URL-encoded`, async (_name, schema, secrets, placeholders) => {
      const fixed = (await boot(placeholders, schema)).join('\n');
      const seen = await boot(secrets, schema);
      const all = seen.join('\n');
      expect(all).toContain('CONFIG_INVALID');
      expect(all).toMatch(mark);
      expect(all).toContain('PRIVATE_KEY');
      expect(all).not.toMatch(/SERVER_ERROR|SyntaxError|is not valid JSON|Received|\[redacted\]/);
      for (const value of Object.values(secrets)) {
        for (const form of forms(value)) {
          // A form that the placeholder run printed too (`in`, in "Infisical") is fixed wording, not the value.
          if (fixed.includes(form)) continue;
          for (const text of seen) expect(text.includes(form), `${JSON.stringify(form).slice(0, 40)} printed in: ${text.slice(0, 300)}`).toBe(false);
        }
      }
    });
  }
});
