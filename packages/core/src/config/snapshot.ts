/** Freezes a snapshot all the way down, so no reader can change what another sees. */
export function deepFreeze<T>(value: T): T {
  // Primitives (null included) count as frozen; functions a schema built are the app's, left as they are.
  if (typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value as object)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return value;
}

/** Keys whose raw value was added, removed or changed. */
export function changedKeys(previous: Record<string, string> | undefined, next: Record<string, string>): string[] {
  if (!previous) return Object.keys(next).toSorted();
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  return [...keys].filter((key) => previous[key] !== next[key]).toSorted();
}
