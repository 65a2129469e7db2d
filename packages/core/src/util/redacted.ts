import { inspect } from 'node:util';

/**
 * A value only `reveal()` gives out: `util.inspect`, `JSON.stringify` and string conversion of it (or of an options
 * object holding it) show `[redacted]`. Core's one holder for what must never be printed: a client secret, a given
 * access token, the fallback file's key.
 *
 * @example
 * const secret = new Redacted('s3cret');
 * console.log({ secret }); // { secret: [redacted] }
 * client.login({ universalAuth: { clientId, clientSecret: secret.reveal() } });
 */
export class Redacted<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
