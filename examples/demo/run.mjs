#!/usr/bin/env node
// `pnpm demo`: the whole system on the embedded emulator.
// Provisions the emulator the way the seed does (through node-infisical), writes a projected
// service-account token that rotates like the kubelet's, starts the NestJS, Express and Fastify
// example apps with the real adapters, then keeps changing a secret and rotating the token and
// shows each app picking the change up. Ctrl-C or SIGTERM stops it cleanly (exit 0, temporary folder removed).
// `--once` (or DEMO_ONCE=1) says what it will do, runs one cycle, prints a one-line summary and exits 0
// only if every app served the changed value.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator } from '@infisical-k8s/emulator';
import { InfisicalClient } from 'node-infisical';

const once = process.argv.includes('--once') || process.env.DEMO_ONCE === '1';
// `--generation 2024` plays an Infisical server from October 2024 (no v4 secrets routes, no event route).
const generationIndex = process.argv.indexOf('--generation');
const generation = generationIndex >= 0 ? process.argv[generationIndex + 1] : (process.env.DEMO_GENERATION ?? 'current');
if (generation !== 'current' && generation !== '2024') {
  console.error('usage: run.mjs [--once] [--generation current|2024]');
  process.exit(2);
}
const cycleMs = Number(process.env.DEMO_INTERVAL_MS ?? 5000);
const tty = process.stdout.isTTY;
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const green = (s) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s) => (tty ? `\x1b[31m${s}\x1b[0m` : s);

async function step(label, fn) {
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const started = Date.now();
  const timer = tty
    ? setInterval(() => process.stdout.write(`\r${frames[i++ % frames.length]} ${label}`), 80)
    : (process.stdout.write(`… ${label}\n`), undefined);
  try {
    const result = await fn();
    if (timer) clearInterval(timer);
    process.stdout.write(`${tty ? '\r' : ''}${green('✔')} ${label} ${dim(`(${Date.now() - started} ms)`)}\n`);
    return result;
  } catch (error) {
    if (timer) clearInterval(timer);
    process.stdout.write(`${tty ? '\r' : ''}${red('✖')} ${label}\n`);
    throw error;
  }
}

const apps = [
  { name: 'nestjs', module: '@infisical-k8s/example-nest' },
  { name: 'express', module: '@infisical-k8s/example-express' },
  { name: 'fastify', module: '@infisical-k8s/example-fastify' },
];

const running = [];
let emulator;
let tokenDir;
let projected;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  // A close that hangs must not keep the temporary folder or the terminal: give up on it after a few seconds.
  const giveUp = setTimeout(() => void removeTokenDir().finally(() => process.exit(code)), 5000);
  giveUp.unref();
  for (const app of running) await app.handle.close().catch(() => {});
  projected?.stop();
  await emulator?.close().catch(() => {});
  await removeTokenDir();
  process.exit(code);
}

async function removeTokenDir() {
  if (tokenDir) await rm(tokenDir, { recursive: true, force: true }).catch(() => {});
}

// Ctrl-C and SIGTERM are how the demo is meant to end: clean up and exit 0, so pnpm prints no ELIFECYCLE.
// `on`, not `once`: Nest's shutdown hooks close the Nest app and then raise the same signal again, which, with no
// listener left, would kill the process mid-cleanup with 130 and leave the token folder behind.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void shutdown(0));

async function main() {
  if (once) {
    console.log(
      `One cycle on Infisical ${generation}: start the emulator, provision through node-infisical, write a projected token, ` +
        'start the NestJS, Express and Fastify examples, change GREETING and rotate the token once, wait for each app ' +
        'to serve the new value, print a summary, stop.',
    );
  }
  emulator = await step(`Starting the emulator (Infisical ${generation} + Kubernetes TokenReview on loopback)`, () => startEmulator({ generation }));
  // A 2024 server sends no spec.audiences in its TokenReview, so the cluster only accepts tokens for the API
  // server's own audiences, and allowedAudience must stay empty; today's server asks the cluster for `infisical`.
  const audience = generation === '2024' ? { allowed: '', token: emulator.kubernetes.apiAudiences } : { allowed: 'infisical', token: 'infisical' };

  // Provisioning, as the seed's "Infisical Configuration via SDK" section does it.
  const admin = new InfisicalClient({ baseUrl: emulator.infisicalUrl });
  const ids = await step('Provisioning through node-infisical: identity, Kubernetes Auth, project, secrets', async () => {
    await admin.login({ universalAuth: { clientId: emulator.admin.clientId, clientSecret: emulator.admin.clientSecret } });
    const { identity } = await admin.identities.create({ name: 'k8s-service-identity', organizationId: emulator.organizationId });
    await admin.identityAuth.kubernetes.attach({
      identityId: identity.id,
      kubernetesHost: emulator.kubernetes.host,
      caCert: emulator.kubernetes.caCert,
      tokenReviewerJwt: emulator.kubernetes.tokenReviewerJwt,
      allowedNamespaces: 'default,production',
      allowedNames: 'infisical-auth',
      allowedAudience: audience.allowed,
      accessTokenTTL: 3600,
      accessTokenMaxTTL: 86400,
      accessTokenNumUsesLimit: 0,
      accessTokenTrustedIps: [{ ipAddress: '0.0.0.0/0' }, { ipAddress: '::/0' }],
    });
    const { project } = await admin.projects.create({ projectName: 'demo' });
    await admin.projects.addIdentity({ projectId: project.id, identityId: identity.id, role: 'viewer' });
    const initial = {
      GREETING: 'hello #0',
      DATABASE_URL: 'postgres://app:demo-password@db.internal:5432/app',
      API_KEY: 'demo-api-key-0000',
      PORT: '3000',
    };
    for (const [secretName, secretValue] of Object.entries(initial)) {
      await admin.secrets.create({ projectId: project.id, environment: 'prod', secretPath: '/', secretName, secretValue });
    }
    return { identityId: identity.id, projectId: project.id };
  });

  tokenDir = await mkdtemp(join(tmpdir(), 'infisical-k8s-demo-'));
  projected = await step('Writing the projected service-account token (kubelet-style ..data symlink)', () =>
    emulator.writeProjectedToken(tokenDir, { namespace: 'default', name: 'infisical-auth', audience: audience.token, expirationSeconds: 600 }),
  );

  const env = {
    ...process.env,
    INFISICAL_SITE_URL: emulator.infisicalUrl,
    INFISICAL_KUBERNETES_IDENTITY_ID: ids.identityId,
    INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH: projected.path,
    INFISICAL_PROJECT_ID: ids.projectId,
    INFISICAL_ENVIRONMENT: 'prod',
    INFISICAL_SECRET_PATH: '/',
  };
  for (const app of apps) {
    const { startApp } = await import(app.module);
    const handle = await step(`Starting the ${app.name} example`, () => startApp({ port: 0, env, logger: false }));
    running.push({ ...app, handle });
  }

  console.log('');
  console.table([
    { service: 'Infisical (emulated)', url: emulator.infisicalUrl },
    { service: 'Kubernetes API (emulated)', url: emulator.kubernetes.host },
    ...running.map((app) => ({ service: `${app.name} example`, url: app.handle.url })),
    { service: 'projected token', url: projected.path },
  ]);
  // `--once` said what it does before starting; only the endless loop needs the how-to-stop line.
  if (!once) console.log(dim(`Every ${cycleMs / 1000} s: change GREETING in Infisical, rotate the token file, watch each app. Ctrl-C stops.`));

  let cycle = 0;
  for (;;) {
    cycle += 1;
    const greeting = `hello #${cycle}`;
    const changedAt = Date.now();
    await admin.secrets.update({ projectId: ids.projectId, environment: 'prod', secretPath: '/', secretName: 'GREETING', secretValue: greeting });
    await projected.rotate();
    const results = await Promise.all(running.map((app) => waitForGreeting(app, greeting, changedAt)));
    for (const r of results) {
      const line = `  ${r.name.padEnd(8)} ${r.ok ? green('✔') : red('✖')} ${JSON.stringify(greeting)} ${r.ok ? `served after ${r.ms} ms` : `not served within ${r.ms} ms (last: ${r.last})`}`;
      console.log(line);
    }
    if (once) {
      const ok = results.every((r) => r.ok);
      const latencies = results.map((r) => `${r.name} ${r.ok ? `${r.ms} ms` : 'not served'}`).join(', ');
      console.log(`${ok ? green('✔') : red('✖')} summary: ${ok ? `every app served ${JSON.stringify(greeting)}` : `not every app served ${JSON.stringify(greeting)}`} (${latencies})`);
      await shutdown(ok ? 0 : 1);
      return;
    }
    await sleep(cycleMs);
  }
}

async function waitForGreeting(app, greeting, since, timeoutMs = 10_000) {
  let last = '';
  while (Date.now() - since < timeoutMs) {
    try {
      const res = await fetch(app.handle.url);
      const body = await res.json();
      last = body.greeting;
      if (body.greeting === greeting) return { name: app.name, ok: true, ms: Date.now() - since };
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(20);
  }
  return { name: app.name, ok: false, ms: Date.now() - since, last };
}

main().catch(async (error) => {
  console.error(red(`demo failed: ${error?.code ? `[${error.code}] ` : ''}${error instanceof Error ? error.message : error}`));
  if (error?.hint) console.error(`hint: ${error.hint}`);
  await shutdown(1);
});
