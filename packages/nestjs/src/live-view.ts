import { inspect } from 'node:util';
import type { InfisicalConfig } from '@infisical-k8s/core';

function readOnly(): never {
  throw new TypeError('Infisical values are read-only here: they follow the latest snapshot. Change the secret in Infisical.');
}

/**
 * What `util.inspect`, `console.log` and `JSON.stringify` show of a live view: its key count, never a value.
 * Closures, not `this`: Node calls a proxy's inspect method with the proxy as `this`.
 */
function redactedTarget(count: () => number): object {
  return Object.create({
    [inspect.custom]: () => `InfisicalLiveSecrets { keys: ${count()} }`,
    toJSON: () => ({ keys: count() }),
  }) as object;
}

/**
 * A read-only object whose keys are always those of the config's latest snapshot: `@nestjs/config` stores a
 * namespaced factory's result by reference, so `ConfigService.get('db.KEY')` and `ConfigType` injections follow
 * every refresh. The proxy's target holds no value, so inspecting it never shows one (Node formats a proxy's target).
 */
export function liveView<T>(config: InfisicalConfig<T>): Readonly<T> {
  let latest = config.snapshot as Record<string, unknown>;
  // snapshot$ is synchronous and completes on close(): the last snapshot stays readable during shutdown.
  config.snapshot$.subscribe((snapshot) => (latest = snapshot as Record<string, unknown>));
  const own = (key: string | symbol): key is string => typeof key === 'string' && Object.hasOwn(latest, key);
  return new Proxy(redactedTarget(() => Object.keys(latest).length), {
    get: (target, key) => (key !== 'toJSON' && own(key) ? latest[key] : Reflect.get(target, key)),
    has: (target, key) => own(key) || Reflect.has(target, key),
    ownKeys: () => Object.keys(latest),
    getOwnPropertyDescriptor: (_target, key) => (own(key) ? { value: latest[key], enumerable: true, configurable: true, writable: false } : undefined),
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
  }) as Readonly<T>;
}
