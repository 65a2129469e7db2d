import type { ServerGeneration, StartEmulatorOptions } from '../emulator-types.js';
import { EmulatorError } from '../errors.js';
import { createInfisicalApp, type InfisicalApp, type SharedInfisical } from './app.js';
import { SecretWriter } from './routes/secret-writer.js';

export function checkGeneration(generation: unknown): ServerGeneration {
  if (generation === 'current' || generation === '2024') return generation;
  throw new EmulatorError('INVALID_OPTIONS', `generation must be 'current' or '2024', not ${JSON.stringify(generation)}.`);
}

/** Both server generations over one set of data, and which one answers now. */
export class Generations {
  readonly writer: SecretWriter;
  readonly #apps: Record<ServerGeneration, InfisicalApp>;
  #current: ServerGeneration;

  constructor(initial: ServerGeneration, options: StartEmulatorOptions, shared: SharedInfisical) {
    this.#current = initial;
    // One writer for both: it touches only the shared data and the event streams.
    this.writer = new SecretWriter(shared);
    this.#apps = { current: createInfisicalApp('current', options, shared, this.writer), '2024': createInfisicalApp('2024', options, shared, this.writer) };
  }

  get current(): ServerGeneration {
    return this.#current;
  }

  /** The app of the generation that answers now. */
  get app(): InfisicalApp {
    return this.#apps[this.#current];
  }

  set(generation: ServerGeneration): void {
    this.#current = checkGeneration(generation);
  }
}
