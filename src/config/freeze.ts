// Deep freeze for loaded config: the request path reads it, nothing may change it after load.

/** Freezes `value` and everything reachable from it; returns it typed as deeply read-only in spirit. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}
