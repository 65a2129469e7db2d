import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { accessToken, infisical, setUpApp, type App } from './helpers.js';

let emu: Emulator;
let app: App;
let token: string;

beforeAll(async () => {
  emu = await startEmulator();
  app = await setUpApp(emu);
  token = await accessToken(emu, app.identityId);
});
afterAll(async () => {
  await emu.close();
});

const list = (environment: string, path: string) =>
  infisical(emu, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=${environment}&secretPath=${path}&expandSecretReferences=true`, { token });
const values = (secrets: Array<{ secretKey: string; secretValue: string }>) => Object.fromEntries(secrets.map((s) => [s.secretKey, s.secretValue]));

describe('Reference expansion', () => {
  // Ten secrets per level, each referring to all ten of the next level, seven levels deep: 10^6 paths from each
  // top secret. Expanded path by path this blocked the event loop for 51 s; each (depth, secret) pair once, it is
  // linear. The test timeout is the only clock here, and it is generous.
  it('expands a 10-way fan-out seven deep without walking every path', { timeout: 20_000 }, async () => {
    const levels = 7;
    for (let level = 0; level < levels; level++) {
      const next = Array.from({ length: 10 }, (_, j) => `\${L${level + 1}_${j}}`).join('');
      const secrets = Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`L${level}_${j}`, level === levels - 1 ? 'x' : next]));
      emu.setSecrets(app.projectId, 'dev', secrets, '/fan');
    }
    const res = await list('dev', '/fan');
    expect(res.status).toBe(200);
    const expanded = values(res.body.secrets);
    expect(expanded.L0_0).toBe('x'.repeat(10 ** 6));
    expect(expanded.L5_9).toBe('x'.repeat(10));
  });

  it('follows references at most MAX_SECRET_REFERENCE_DEPTH (10) deep, as the server does', async () => {
    // C0 -> C1 -> ... -> C14 -> "end": the value reached at depth 11 (C11's, "${C12}") is returned as written.
    const chain = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`C${i}`, i === 14 ? 'end' : `\${C${i + 1}}`]));
    emu.setSecrets(app.projectId, 'dev', chain, '/chain');
    const expanded = values((await list('dev', '/chain')).body.secrets);
    expect(expanded.C0).toBe('${C12}');
    expect(expanded.C1).toBe('${C13}');
    expect(expanded.C2).toBe('${C14}');
    expect(expanded.C3).toBe('end');
  });

  it('leaves references to missing or empty secrets as written, and stops at a secret already on the path', async () => {
    emu.setSecrets(app.projectId, 'dev', { EMPTY: '', A: '${B}', B: '${A}', R: '<${EMPTY}|${NOPE}>' }, '/odd');
    const expanded = values((await list('dev', '/odd')).body.secrets);
    expect(expanded.R).toBe('<${EMPTY}|${NOPE}>');
    // A -> B -> A: B's reference back to A goes in as written (current servers track visited secrets).
    expect(expanded.A).toBe('${B}');
    expect(expanded.B).toBe('${A}');
  });
});
