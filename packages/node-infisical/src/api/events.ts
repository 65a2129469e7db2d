import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import { requireString } from './validate.js';

export type SecretEventName = 'secret:create' | 'secret:update' | 'secret:delete' | 'secret:import-mutation';

export interface EventRegistration {
  event: SecretEventName;
  conditions?: { environmentSlug: string; secretPath?: string };
}

/** One server-sent event. `data` is parsed JSON when it parses, else the raw text. No secret values are ever sent. */
export interface ProjectEvent {
  event: string;
  id?: string;
  data?: unknown;
}

export interface SubscribeOptions {
  projectId: string;
  register: EventRegistration[];
  /** Aborting ends the stream and the iteration. */
  signal?: AbortSignal;
  /** Surface `ping` heartbeats too (default false). */
  includePings?: boolean;
}

/** Splits an SSE byte stream into events (WHATWG rules: blank line ends an event, `:` lines are comments). */
async function* parseSse(body: ReadableStream<Uint8Array>, includePings: boolean): AsyncGenerator<ProjectEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { event?: string; id?: string; data: string[] } = { data: [] };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r?\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1);
        if (line === '') {
          if (current.event || current.data.length > 0) {
            const name = current.event ?? 'message';
            if (name !== 'ping' || includePings) {
              const text = current.data.join('\n');
              let data: unknown = text;
              try {
                data = text ? JSON.parse(text) : undefined;
              } catch {
                // keep the raw text: the wire format has changed before
              }
              const event: ProjectEvent = { event: name, data };
              if (current.id !== undefined) event.id = current.id;
              yield event;
            }
          }
          current = { data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const fieldValue = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') current.event = fieldValue;
        else if (field === 'data') current.data.push(fieldValue);
        else if (field === 'id') current.id = fieldValue;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Project events (`/api/v1/events`): push notifications of secret changes over server-sent events. */
export class EventsApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Opens the project-events stream. Resolves once the server accepted the subscription (a refusal,
   * e.g. 400 when the plan lacks event subscriptions, rejects with `InfisicalApiError`); the iterable
   * ends when the server closes the stream or `signal` aborts. Events are not replayed: refetch after a reconnect.
   *
   * @example
   * const events = await client.events.subscribe({ projectId, register: [{ event: 'secret:update', conditions: { environmentSlug: 'prod' } }] });
   * for await (const e of events) console.log(e.event);
   */
  async subscribe(options: SubscribeOptions): Promise<AsyncIterable<ProjectEvent>> {
    const projectId = requireString('projectId', options?.projectId, 'the ID of the project to watch');
    if (!Array.isArray(options.register) || options.register.length < 1 || options.register.length > 10) {
      throw new InfisicalValidationError('register', 'needs 1 to 10 { event, conditions } entries');
    }
    const response = await this.#transport.stream(
      { method: 'POST', path: '/api/v1/events/subscribe/project-events', body: { projectId, register: options.register }, auth: true },
      options.signal,
    );
    if (!response.body) return (async function* () {})();
    return parseSse(response.body, options.includePings ?? false);
  }
}
