import { InfisicalResponseError } from '../errors/errors.js';
import { toNetworkError } from './network-error.js';

/** One server-sent event: the `event:` name, the `id:` and the `data:` lines parsed as JSON when they parse. */
export interface SseEvent {
  event: string;
  id?: string;
  data?: unknown;
}

export interface SseOptions {
  includePings: boolean;
  signal: AbortSignal | undefined;
  method: string;
  path: string;
  /** Largest single event accepted, in bytes of text. */
  maxEventBytes: number;
  /** Called once the stream has ended, however it ended. */
  onEnd?: () => void;
}

function toEvent(name: string, id: string | undefined, lines: string[]): SseEvent {
  const text = lines.join('\n');
  let data: unknown = text === '' ? undefined : text;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      // Keep the raw text: the wire format has changed before and may again.
    }
  }
  const event: SseEvent = { event: name, data };
  if (id !== undefined) event.id = id;
  return event;
}

/**
 * Splits an SSE byte stream into events (WHATWG rules: a blank line ends an event, `:` lines are
 * comments, `\r\n`, `\n` and `\r` all end lines). Ends quietly when the server closes the stream or
 * `signal` aborts; a broken connection becomes an `InfisicalNetworkError`.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>, o: SseOptions): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  let first = true;
  let name: string | undefined;
  let id: string | undefined;
  let lines: string[] = [];
  let size = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (o.signal?.aborted) return;
        throw toNetworkError(error, o.method, o.path, false, 0);
      }
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      if (first && buffer.length > 0) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      let match: RegExpExecArray | null;
      const eol = /\r\n|\n|\r(?!$)/g;
      let consumed = 0;
      while ((match = eol.exec(buffer)) !== null) {
        const line = buffer.slice(consumed, match.index);
        consumed = match.index + match[0].length;
        if (line === '') {
          const eventName = name ?? 'message';
          if ((name !== undefined || lines.length > 0) && (eventName !== 'ping' || o.includePings)) yield toEvent(eventName, id, lines);
          name = undefined;
          lines = [];
          size = 0;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        size += value.length;
        if (field === 'event') name = value;
        else if (field === 'data') lines.push(value);
        else if (field === 'id') id = value;
      }
      buffer = buffer.slice(consumed);
      if (size + buffer.length > o.maxEventBytes) {
        throw new InfisicalResponseError(200, o.method, o.path, `an event larger than ${o.maxEventBytes} bytes in the stream`);
      }
    }
  } finally {
    o.onEnd?.();
    await reader.cancel().catch(() => {});
  }
}
