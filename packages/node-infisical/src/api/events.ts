import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import { parseSse } from '../transport/sse.js';
import { requireString } from './validate.js';

/**
 * The events a subscription can register for.
 *
 * @example
 * const name: SecretEventName = 'secret:update';
 */
export type SecretEventName = 'secret:create' | 'secret:update' | 'secret:delete' | 'secret:import-mutation';

const EVENT_NAMES: readonly string[] = ['secret:create', 'secret:update', 'secret:delete', 'secret:import-mutation'];

/**
 * One registration of a subscription: an event, optionally limited to an environment and a path
 * prefix (`secretPath`, default `/`).
 *
 * @example
 * const registration: EventRegistration = { event: 'secret:update', conditions: { environmentSlug: 'prod', secretPath: '/' } };
 */
export interface EventRegistration {
  event: SecretEventName;
  conditions?: { environmentSlug: string; secretPath?: string };
}

/**
 * One server-sent event. `event` is the frame's name (`secret:update`, ..., `error`, or `ping` with
 * `includePings`); `data` is the parsed JSON when it parses, else the raw text. Current servers send
 * `{ type: 'secret-manager', data: { eventType, payload: [{ environment, secretPath, secretKeys }] } }`;
 * treat any event as "refetch this environment and path". No secret values are ever sent.
 *
 * @example
 * for await (const e of events) if (e.event !== 'error') await refetch();
 */
export interface ProjectEvent {
  event: string;
  id?: string;
  data?: unknown;
}

/**
 * Options of `client.events.subscribe`.
 *
 * @example
 * const options: SubscribeOptions = { projectId, register: [{ event: 'secret:update', conditions: { environmentSlug: 'prod' } }], signal };
 */
export interface SubscribeOptions {
  projectId: string;
  /** 1 to 10 registrations. */
  register: EventRegistration[];
  /** Aborting closes the stream and ends the iteration quietly. */
  signal?: AbortSignal;
  /** Yield the server's `ping` heartbeats too (default false: they are filtered out). */
  includePings?: boolean;
}

function validateRegister(register: unknown): EventRegistration[] {
  if (!Array.isArray(register) || register.length < 1 || register.length > 10) {
    throw new InfisicalValidationError('register', 'needs 1 to 10 { event, conditions? } entries');
  }
  return register.map((entry: unknown, index) => {
    const r = (entry ?? {}) as { event?: unknown; conditions?: { environmentSlug?: unknown; secretPath?: unknown } };
    if (typeof r.event !== 'string' || !EVENT_NAMES.includes(r.event)) {
      throw new InfisicalValidationError(`register[${index}].event`, `must be one of ${EVENT_NAMES.join(', ')}`);
    }
    if (r.conditions === undefined) return { event: r.event as SecretEventName };
    const environmentSlug = requireString(`register[${index}].conditions.environmentSlug`, r.conditions?.environmentSlug, 'the environment slug to watch');
    const secretPath = r.conditions.secretPath;
    if (secretPath !== undefined && (typeof secretPath !== 'string' || !secretPath.startsWith('/'))) {
      throw new InfisicalValidationError(`register[${index}].conditions.secretPath`, 'must be a folder path starting with "/"');
    }
    return { event: r.event as SecretEventName, conditions: { environmentSlug, ...(secretPath !== undefined ? { secretPath } : {}) } };
  });
}

const PATH = '/api/v1/events/subscribe/project-events';

/** An event names keys, never values: 1 MiB (or maxResponseBytes when smaller) and 10 000 data lines is far above any real one. */
const MAX_EVENT_BYTES = 1024 * 1024;
const MAX_EVENT_LINES = 10_000;

/**
 * Project events (`client.events`): push notifications of secret changes over server-sent events.
 *
 * @example
 * const events = await client.events.subscribe({ projectId, register: [{ event: 'secret:update', conditions: { environmentSlug: 'prod' } }] });
 */
export class EventsApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Opens the project-events stream (`POST /api/v1/events/subscribe/project-events`). Resolves once the
   * server accepted the subscription; a refusal rejects with `InfisicalApiError` (e.g. 400 when the plan
   * lacks event subscriptions, 403 without access, 404 `Route ... not found` on servers without the
   * route: `isRouteNotFoundError`). A redirect rejects with `InfisicalRedirectError`; an event over the
   * caps ends the iteration with `InfisicalResponseTooLargeError`. The iterable ends when the server closes the stream
   * (it does so after an hour) or `signal` aborts; `ping` heartbeats are filtered unless `includePings`.
   * Events are not replayed: refetch after reconnecting. Each subscription counts as one token use.
   *
   * @example
   * const abort = new AbortController();
   * const events = await client.events.subscribe({
   *   projectId,
   *   register: [{ event: 'secret:update', conditions: { environmentSlug: 'prod', secretPath: '/' } }],
   *   signal: abort.signal,
   * });
   * for await (const e of events) console.log(e.event, e.data);
   */
  async subscribe(options: SubscribeOptions): Promise<AsyncIterable<ProjectEvent>> {
    if (!options || typeof options !== 'object') throw new InfisicalValidationError('options', 'pass { projectId, register }');
    const projectId = requireString('projectId', options.projectId, 'the ID of the project to watch');
    const register = validateRegister(options.register);
    const { response, release } = await this.#transport.stream({
      method: 'POST',
      path: PATH,
      body: { projectId, register },
      auth: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body = response.body;
    if (!body) {
      release();
      return { [Symbol.asyncIterator]: async function* () {} };
    }
    return parseSse(body, {
      onEnd: release,
      includePings: options.includePings ?? false,
      signal: options.signal,
      method: 'POST',
      path: PATH,
      maxEventBytes: Math.min(MAX_EVENT_BYTES, this.#transport.maxResponseBytes),
      maxLineBytes: Math.min(MAX_EVENT_BYTES, this.#transport.maxResponseBytes),
      maxEventLines: MAX_EVENT_LINES,
    });
  }
}
