import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, setUpApp } from './helpers.js';

const clock = new ManualClock();
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ clock });
});
afterAll(async () => {
  await emu.close();
});

const renew = (token: string) => infisical(emu, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: token } });
const revoke = (token: string) => infisical(emu, 'POST', '/api/v1/auth/token/revoke', { body: { accessToken: token } });

describe('Method: accessTokens.live', () => {
  it('counts lineages per identity: a renewal adds none, revocation and expiry remove one', async () => {
    const app = await setUpApp(emu, { accessTokenTTL: 3600, accessTokenMaxTTL: 7200 });
    const other = await setUpApp(emu, { accessTokenTTL: 3600, accessTokenMaxTTL: 7200 });
    expect(emu.accessTokens.live(app.identityId)).toBe(0);
    const first = await accessToken(emu, app.identityId);
    const second = await accessToken(emu, app.identityId);
    await accessToken(emu, other.identityId);
    expect(emu.accessTokens.live(app.identityId)).toBe(2);
    expect(emu.accessTokens.live(other.identityId)).toBe(1);
    // The admin's never-expiring token is live too.
    expect(emu.accessTokens.live()).toBe(4);
    clock.advance(1800);
    expect((await renew(first)).status).toBe(200);
    expect(emu.accessTokens.live(app.identityId)).toBe(2);
    expect((await revoke(second)).status).toBe(200);
    expect(emu.accessTokens.live(app.identityId)).toBe(1);
    // `first` was renewed at 1800 s to 1800 + 3600: still live when its original exp (3600 s) has passed.
    clock.advance(1800);
    expect(emu.accessTokens.live(app.identityId)).toBe(1);
    clock.advance(3600);
    expect(emu.accessTokens.live(app.identityId)).toBe(0);
    expect(emu.accessTokens.live(other.identityId)).toBe(0);
    expect(emu.accessTokens.live()).toBe(1);
  });
});
