import type { Subscription } from 'rxjs';
import type { InfisicalConfig } from '@infisical-k8s/core';

/**
 * Turns the root keys `@nestjs/config` copied from a loader into accessors on its config object (the one
 * ConfigService reads first), so `ConfigService.get('KEY')` reads the view, which follows the latest snapshot.
 * Accessors are not enumerable: `JSON.stringify` of that object and spreads never carry a value.
 * `ConfigService.set(key, value)` still works: it pins the key to that value (a plain property again).
 * Keys added later in Infisical get an accessor unless the object already has its own value for them.
 *
 * @returns the subscription that adds new keys; unsubscribe on shutdown.
 */
export function bindRootKeys(host: Record<string, unknown>, view: Readonly<Record<string, unknown>>, config: InfisicalConfig<unknown>): Subscription {
  const define = (key: string) =>
    Object.defineProperty(host, key, {
      get: () => view[key],
      set: (value: unknown) => {
        Object.defineProperty(host, key, { value, writable: true, enumerable: true, configurable: true });
      },
      enumerable: false,
      configurable: true,
    });
  for (const key of Object.keys(view)) define(key);
  return config.changes$.subscribe(({ changedKeys }) => {
    for (const key of changedKeys) if (!Object.hasOwn(host, key)) define(key);
  });
}
