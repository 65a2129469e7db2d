/** Project events over SSE: subscribe, receive, pings, server close, abort, and refusals. */
import { getEventListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { provision, startEmulator } from '@infisical-k8s/emulator';
import { InfisicalApiError, type ProjectEvent } from 'node-infisical';
import { adminFor, appClient, rejectionOf, useEmulator } from './helpers.js';

const env = useEmulator({ sse: { pingIntervalMs: 30, connectionTimeoutMs: 1_000 } }, { secrets: { SEEDED: 'seeded' } });
const register = [
  { event: 'secret:update' as const, conditions: { environmentSlug: 'prod', secretPath: '/' } },
  { event: 'secret:create' as const, conditions: { environmentSlug: 'prod', secretPath: '/' } },
];

async function next(iterator: AsyncIterator<ProjectEvent>): Promise<ProjectEvent> {
  const result = await iterator.next();
  expect(result.done).toBe(false);
  return result.value as ProjectEvent;
}

describe('Method: events.subscribe', () => {
  it('delivers a change made with the emulator, without pings, and never the value', async () => {
    const emu = env.emu();
    const client = await appClient(emu, env.app());
    const abort = new AbortController();
    const events = await client.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal });
    const iterator = events[Symbol.asyncIterator]();
    await new Promise((resolve) => setTimeout(resolve, 80)); // a few pings go by, filtered
    emu.setSecret({ projectId: env.app().projectId, environment: 'prod', key: 'SEEDED', value: 'changed-value-91c' });
    const event = await next(iterator);
    expect(event).toMatchObject({ event: 'secret:update', data: { data: { eventType: 'secret:update', payload: [{ environment: 'prod', secretPath: '/', secretKeys: 'SEEDED' }] } } });
    expect(event.id).toEqual(expect.any(String));
    expect(JSON.stringify(event)).not.toContain('changed-value-91c');
    abort.abort();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await expect.poll(() => emu.events.connections()).toBe(0);
  });

  it('delivers a change made through the REST write routes', async () => {
    const emu = env.emu();
    const client = await appClient(emu, env.app());
    const abort = new AbortController();
    const events = await client.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal });
    const iterator = events[Symbol.asyncIterator]();
    await adminFor(emu).secrets.create({ projectId: env.app().projectId, environment: 'prod', secretName: 'NEW_KEY', secretValue: 'x' });
    expect(await next(iterator)).toMatchObject({ event: 'secret:create', data: { data: { payload: [{ secretKeys: 'NEW_KEY' }] } } });
    abort.abort();
  });

  it('surfaces pings with includePings', async () => {
    const client = await appClient(env.emu(), env.app());
    const abort = new AbortController();
    const events = await client.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal, includePings: true });
    expect(await next(events[Symbol.asyncIterator]())).toMatchObject({ event: 'ping' });
    abort.abort();
  });

  it('ends the iteration when the server closes the stream', async () => {
    const client = await appClient(env.emu(), env.app());
    const events = await client.events.subscribe({ projectId: env.app().projectId, register });
    const seen: string[] = [];
    for await (const event of events) seen.push(event.event);
    expect(seen.filter((name) => name !== 'ping')).toEqual([]);
    await expect.poll(() => env.emu().events.connections()).toBe(0);
  });

  it('leaving the loop early closes the connection', async () => {
    const emu = env.emu();
    const client = await appClient(emu, env.app());
    const events = await client.events.subscribe({ projectId: env.app().projectId, register, includePings: true });
    for await (const event of events) {
      expect(event.event).toBe('ping');
      break;
    }
    await expect.poll(() => emu.events.connections()).toBe(0);
  });

  it('a stream that ended lets go of the caller\'s signal, so one signal can serve a lifetime of reconnects', async () => {
    // A long-lived signal is how callers stop a reconnect loop; each ended stream must not leave a listener on it.
    const emu = env.emu();
    const client = await appClient(emu, env.app());
    const abort = new AbortController();
    for (let i = 0; i < 15; i++) {
      const events = await client.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal, includePings: true });
      for await (const event of events) {
        expect(event.event).toBe('ping');
        break;
      }
    }
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    const open = await client.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal });
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
    abort.abort();
    for await (const _ of open) expect.unreachable();
    await expect.poll(() => emu.events.connections()).toBe(0);
  });

  it('an already aborted signal rejects before any request', async () => {
    const client = await appClient(env.emu(), env.app());
    env.emu().counters.reset();
    const abort = new AbortController();
    abort.abort(new Error('shutting down'));
    await expect(client.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal })).rejects.toThrow('shutting down');
    expect(env.emu().counters.get('POST /api/v1/events/subscribe/project-events')).toBe(0);
  });

  it('rejects with 403 for a project the identity cannot read', async () => {
    const emu = env.emu();
    const other = emu.createProject({ name: 'other' });
    const client = await appClient(emu, env.app());
    const error = await rejectionOf(client.events.subscribe({ projectId: other.id, register }));
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(error).toMatchObject({ status: 403 });
  });

  it('rejects with the plan message when the plan lacks event subscriptions', async () => {
    const emu = await startEmulator({ eventSubscriptions: false });
    const app = await provision(emu);
    try {
      const client = await appClient(emu, app);
      const error = (await rejectionOf(client.events.subscribe({ projectId: app.projectId, register }))) as InfisicalApiError;
      expect(error).toBeInstanceOf(InfisicalApiError);
      expect(error).toMatchObject({ status: 400, code: 'HTTP_400' });
      expect(error.serverMessage).toContain('Event subscriptions are not available on your current plan');
      expect(error.hint).toContain('plan');
    } finally {
      await emu.close();
      await rm(app.projected.dir, { recursive: true, force: true });
    }
  });
});
