import { createMemoryStore } from './memory-store.ts';
import { createRedisStore } from './redis-store.ts';
import type { KeyValueStore } from './types.ts';

export type { KeyValueStore } from './types.ts';
export { luaWithClock, type AtomicScript, type ScriptKeys } from './atomic-script.ts';
export { createMemoryStore } from './memory-store.ts';
export { createRedisStore } from './redis-store.ts';

/** Redis when a URL is given, the in-memory store otherwise (embedded mode). */
export function createKeyValueStore(options: { url?: string; keyPrefix?: string }): Promise<KeyValueStore> {
  return options.url ? createRedisStore({ url: options.url, ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}) }) : Promise.resolve(createMemoryStore());
}
