import type { ServerResponse } from 'node:http';
import { normalizePath } from './state.js';

export type SecretEventName = 'secret:create' | 'secret:update' | 'secret:delete' | 'secret:import-mutation';

interface Subscriber {
  projectId: string;
  register: Array<{ event: string; conditions?: { environmentSlug?: string; secretPath?: string } }>;
  res: ServerResponse;
  ping: NodeJS.Timeout;
  timeout: NodeJS.Timeout;
}

/** Open project-event streams, and the fan-out of secret changes to them (no replay, no persistence). */
export class SecretEvents {
  readonly #subscribers = new Set<Subscriber>();

  constructor(private readonly settings: { pingIntervalMs: number; connectionTimeoutMs: number }) {}

  connections(): number {
    return this.#subscribers.size;
  }

  open(projectId: string, register: Subscriber['register'], res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const subscriber: Subscriber = {
      projectId,
      register,
      res,
      ping: setInterval(() => res.write('event: ping\n\n'), this.settings.pingIntervalMs),
      timeout: setTimeout(() => this.#close(subscriber), this.settings.connectionTimeoutMs),
    };
    subscriber.ping.unref();
    subscriber.timeout.unref();
    this.#subscribers.add(subscriber);
    res.on('close', () => this.#close(subscriber));
  }

  publish(projectId: string, event: SecretEventName, environment: string, secretPath: string, keys: string[]): void {
    const path = normalizePath(secretPath);
    for (const subscriber of this.#subscribers) {
      if (subscriber.projectId !== projectId) continue;
      const wanted = subscriber.register.some(
        (r) =>
          r.event === event &&
          (!r.conditions || (r.conditions.environmentSlug === environment && path.startsWith(normalizePath(r.conditions.secretPath ?? '/')))),
      );
      if (!wanted) continue;
      const payload =
        event === 'secret:import-mutation'
          ? { environment, secretPath: path }
          : keys.map((key) => ({ environment, secretPath: path, secretKeys: key }));
      const frame = { type: 'secret-manager', data: { eventType: event, payload } };
      subscriber.res.write(`id: ${Date.now()}\nevent: ${event}\ndata: ${JSON.stringify(frame)}\n\n`);
    }
  }

  #close(subscriber: Subscriber): void {
    if (!this.#subscribers.delete(subscriber)) return;
    clearInterval(subscriber.ping);
    clearTimeout(subscriber.timeout);
    subscriber.res.end();
  }

  closeAll(): void {
    // Deleting from a Set while iterating it is safe: removed entries are skipped.
    for (const subscriber of this.#subscribers) this.#close(subscriber);
  }
}
