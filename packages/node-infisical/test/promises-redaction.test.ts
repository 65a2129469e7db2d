/**
 * Issue #20 survivor: a server message that echoes several credentials has every one of them replaced, not only
 * the first (public behaviour only: the client's error over real HTTP to the emulator).
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { InfisicalApiError, InfisicalClient } from 'node-infisical';
import { clientFor, rejectionOf, useEmulator } from './helpers.js';

const LOGIN = 'POST /api/v1/auth/kubernetes-auth/login';
const env = useEmulator();
const login = (client: InfisicalClient) => client.login({ kubernetesAuth: { identityId: env.app().identityId, jwt: env.app().projected.current() } });

describe('Server messages: every credential in them is redacted', () => {
  it('three JWTs, three service tokens and three bearer headers in one message: none survives in any surface', async () => {
    const first = env.app().projected.current();
    const second = env.emu().kubernetes.issueToken({ namespace: 'other', name: 'second' });
    const third = env.emu().kubernetes.issueToken({ namespace: 'other', name: 'third' });
    const serviceTokens = ['st.aaaaaaaa1.bbbbbbbb1.cccccccc1', 'st.aaaaaaaa2.bbbbbbbb2.cccccccc2', 'st.aaaaaaaa3.bbbbbbbb3.cccccccc3'];
    const bearers = ['Bearer b3arer-one-abcdef', 'Bearer b3arer-two-abcdef', 'Bearer b3arer-six-abcdef'];
    // Three of each: the text is scrubbed twice on its way (answer, then error), so a pattern that stops at the first match would still take two.
    const message = `bad token ${first}, then ${second}, ${third}; ${serviceTokens.join(' and ')}; ${bearers.join(' / ')}`;
    env.emu().faults.inject({ route: LOGIN, status: 401, times: 1, body: { statusCode: 401, error: 'UnauthorizedError', message } });
    const error = (await rejectionOf(login(clientFor(env.emu(), { retry: false })))) as InfisicalApiError;
    expect(error.serverMessage).toBe(
      'bad token [redacted-jwt], then [redacted-jwt], [redacted-jwt]; [redacted-token] and [redacted-token] and [redacted-token]; Bearer [redacted] / Bearer [redacted] / Bearer [redacted]',
    );
    for (const surface of [error.message, error.serverMessage, inspect(error), JSON.stringify(error)]) {
      for (const secret of [first, second, third, ...serviceTokens, 'b3arer-one', 'b3arer-two', 'b3arer-six']) expect(surface).not.toContain(secret);
    }
  });

  it('a credential cut by the bound on what is scrubbed leaves no piece of it: the cut word is dropped', async () => {
    const token = env.app().projected.current();
    // Credentials up to the 8,000-character bound, then one that crosses it: scrubbed, the ones before shrink to
    // markers and what was read of the last one would move into the 1,000 characters shown.
    // The cut lands in the crossing token's payload, before its second dot: what is left matches no JWT pattern.
    const into = token.indexOf('.') + 10;
    let message = 'echo:';
    while (message.length + 1 + token.length + 1 + into <= 8_000) message += ` ${token}`;
    message = `${message.padEnd(8_000 - into - 1, ' ')} ${token} tail`;
    expect(message.indexOf(token, 8_000 - into - 1)).toBe(8_000 - into);
    env.emu().faults.inject({ route: LOGIN, status: 401, times: 1, body: { statusCode: 401, error: 'UnauthorizedError', message } });
    const error = (await rejectionOf(login(clientFor(env.emu(), { retry: false })))) as InfisicalApiError;
    expect(error.serverMessage).toMatch(/^echo: \[redacted-jwt\]/);
    for (const surface of [error.message, error.serverMessage, inspect(error), JSON.stringify(error)]) expect(surface).not.toContain('eyJ');
  });

  it('a bearer credential after several spaces or a tab is redacted too', async () => {
    const message = 'upstream sent Authorization: Bearer \t  s3cr3t-bearer-value and also bearer   an0ther-bearer-value';
    env.emu().faults.inject({ route: LOGIN, status: 401, times: 1, body: { statusCode: 401, error: 'UnauthorizedError', message } });
    const error = (await rejectionOf(login(clientFor(env.emu(), { retry: false })))) as InfisicalApiError;
    expect(error.serverMessage).toBe('upstream sent Authorization: Bearer [redacted] and also bearer [redacted]');
  });
});
