import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { open, seal } from './envelope.js';
import { keyFromFile, keyFromOption } from './key.js';
import { resolveFallback } from './options.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const payload = { version: 1 as const, fetchedAt: 1, scope: 's', values: { A: 'value-a' } };

describe('Function: keyFromOption / keyFromFile', () => {
  it('base64, base64url, hex, a Buffer, the variable and a key file (text or raw) give the same key', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fallback-key-'));
    const raw = randomBytes(32);
    await writeFile(join(dir, 'text'), `${raw.toString('base64')}\n`);
    await writeFile(join(dir, 'raw'), raw);
    const sealed = seal(payload, keyFromOption('k', raw));
    const keys = [
      keyFromOption('k', raw.toString('base64')),
      keyFromOption('k', raw.toString('base64url')),
      keyFromOption('k', ` ${raw.toString('hex')}\n`),
      keyFromOption('k', Buffer.from(raw.toString('base64'))),
      keyFromFile('k', join(dir, 'text')),
      keyFromFile('k', join(dir, 'raw')),
      resolveFallback({ path: join(dir, 'f') }, { INFISICAL_FALLBACK_KEY: raw.toString('base64') })!.key,
      resolveFallback({ path: join(dir, 'f'), keyEnv: 'MINE' }, { MINE: raw.toString('hex') })!.key,
    ];
    for (const key of keys) expect(open(sealed, key)).toEqual(payload);
    expect(open(sealed, keyFromOption('k', randomBytes(32)))).toBe('authentication');
  });

  it('never shows the key: inspect, JSON and String give a placeholder', () => {
    const text = randomBytes(32).toString('base64');
    const key = keyFromOption('k', text);
    const derived = key.reveal().toString('hex');
    for (const shown of [inspect(key), JSON.stringify({ key }), String(key), inspect(resolveFallback({ path: '/x', key: text }, {}))]) {
      expect(shown).not.toContain(text);
      expect(shown).not.toContain(derived);
    }
  });

  it('refuses a passphrase and a key of the wrong length without quoting it', () => {
    for (const bad of ['hunter2-is-my-passphrase', randomBytes(31).toString('hex'), randomBytes(16)]) {
      const error = (() => {
        try {
          keyFromOption('fallback.key', bad);
        } catch (thrown) {
          return thrown as Error & { code?: string };
        }
        return undefined;
      })();
      expect(error?.code).toBe('OPTIONS_INVALID');
      expect(error?.message).toMatch(/^fallback\.key must be 32 random bytes as base64 or hex/);
      expect(error?.message).not.toContain(typeof bad === 'string' ? bad : bad.toString('hex'));
    }
  });
});
