import { InfisicalResponseError, InfisicalResponseTooLargeError } from '../errors/errors.js';
import { toNetworkError } from './network-error.js';

/** One server-sent event: the `event:` name, the `id:` and the `data:` lines parsed as JSON when they parse. */
export interface SseEvent {
  event: string;
  id?: string;
  data?: unknown;
}

/** Bounds of one event; a stream that passes one ends with a typed error. */
export interface SseLimits {
  /** Bytes of one line (its terminator excluded). */
  maxLineBytes: number;
  /** Bytes an event retains: its data lines, name and id. */
  maxEventBytes: number;
  /** `data:` lines of one event. */
  maxEventLines: number;
}

export interface SseOptions extends SseLimits {
  includePings: boolean;
  signal: AbortSignal | undefined;
  method: string;
  path: string;
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
 * The SSE framing rules (WHATWG: a blank line ends an event, `:` lines are comments, `\r\n`, `\n` and
 * `\r` all end lines), linear in its input: each decoded chunk is scanned once, and only the unfinished
 * line is kept between chunks. A line, an event's bytes and an event's data lines are capped, so a
 * server (or anything in between) cannot grow the heap without bound.
 */
export class SseParser {
  readonly #limits: SseLimits;
  readonly #origin: { method: string; path: string };
  /** The unfinished line, as pieces (joined once it ends) and its size in bytes. */
  #pending: string[] = [];
  #pendingBytes = 0;
  /** A `\r` ended the previous chunk: a `\n` opening the next one belongs to it. */
  #afterCr = false;
  #first = true;
  #name: string | undefined;
  #id: string | undefined;
  #lines: string[] = [];
  #eventBytes = 0;

  constructor(limits: SseLimits, origin: { method: string; path: string }) {
    this.#limits = limits;
    this.#origin = origin;
  }

  /** Bytes held for the unfinished line and the unfinished event. */
  get retainedBytes(): number {
    return this.#pendingBytes + this.#eventBytes;
  }

  /** Feeds decoded text; returns the events it completed. Throws once a cap is passed. */
  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    if (this.#first && text.length > 0) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) start = 1;
    }
    if (this.#afterCr && start < text.length) {
      if (text.charCodeAt(start) === 10) start += 1;
      this.#afterCr = false;
    }
    let i = start;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        i += 1;
        continue;
      }
      this.#append(text, start, i);
      const line = this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join('');
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#line(line, events);
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i += 1;
        } else {
          this.#afterCr = true;
        }
      }
      i += 1;
      start = i;
    }
    this.#append(text, start, text.length);
    return events;
  }

  #append(text: string, from: number, to: number): void {
    if (to <= from) return;
    const piece = text.slice(from, to);
    this.#pendingBytes += Buffer.byteLength(piece);
    if (this.#pendingBytes > this.#limits.maxLineBytes) {
      throw new InfisicalResponseTooLargeError(200, this.#origin.method, this.#origin.path, this.#limits.maxLineBytes, 'an event-stream line');
    }
    this.#pending.push(piece);
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.#name !== undefined || this.#lines.length > 0) events.push(toEvent(this.#name ?? 'message', this.#id, this.#lines));
      this.#name = undefined;
      this.#lines = [];
      // The id outlives the event (WHATWG "last event ID"), so its bytes stay counted.
      this.#eventBytes = this.#id === undefined ? 0 : Buffer.byteLength(this.#id);
      return;
    }
    if (line.charCodeAt(0) === 58) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      if (this.#lines.length >= this.#limits.maxEventLines) {
        throw new InfisicalResponseError(200, this.#origin.method, this.#origin.path, `an event with more than ${this.#limits.maxEventLines} data lines in the stream`);
      }
      this.#lines.push(value);
      this.#grow(Buffer.byteLength(value) + 1);
    } else if (field === 'event') {
      this.#grow(Buffer.byteLength(value) - (this.#name === undefined ? 0 : Buffer.byteLength(this.#name)));
      this.#name = value;
    } else if (field === 'id' && !value.includes('\0')) {
      this.#grow(Buffer.byteLength(value) - (this.#id === undefined ? 0 : Buffer.byteLength(this.#id)));
      this.#id = value;
    }
  }

  #grow(bytes: number): void {
    this.#eventBytes += bytes;
    if (this.#eventBytes > this.#limits.maxEventBytes) {
      throw new InfisicalResponseTooLargeError(200, this.#origin.method, this.#origin.path, this.#limits.maxEventBytes, 'an event');
    }
  }
}

/**
 * Splits an SSE byte stream into events with `SseParser`. Ends quietly when the server closes the
 * stream or `signal` aborts; a broken connection becomes an `InfisicalNetworkError`, a passed cap an
 * `InfisicalResponseTooLargeError` (or `InfisicalResponseError` for too many lines).
 */
export async function* parseSse(body: ReadableStream<Uint8Array>, o: SseOptions): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const parser = new SseParser(o, { method: o.method, path: o.path });
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
      for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) {
        if (event.event !== 'ping' || o.includePings) yield event;
      }
    }
  } finally {
    o.onEnd?.();
    await reader.cancel().catch(() => {});
  }
}
