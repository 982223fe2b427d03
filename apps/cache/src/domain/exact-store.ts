import type { CacheEntry } from '@gateway/contracts';
import type { KeyValueStore } from '@gateway/kv';
import { DEFAULT_MAX_ENTRY_BYTES, encodeScope } from '@gateway/cache-client';

/** Entries larger than this (the JSON of the entry, in bytes) are not stored. */
export { DEFAULT_MAX_ENTRY_BYTES };

export type ExactStoreResult = { stored: true; bytes: number } | { stored: false; reason: 'too_large' };

export type PurgeSelector = { scope: string } | { model: string } | { all: true };

export interface ExactStore {
  lookup(scope: string, model: string, key: string): Promise<CacheEntry | null>;
  store(scope: string, model: string, key: string, entry: CacheEntry, ttlSeconds: number): Promise<ExactStoreResult>;
  /** Retires the current generation of the selected entries; returns the number of generations bumped (1). */
  purge(selector: PurgeSelector): Promise<number>;
}

const allGenerationKey = 'cache:gen:all';
const scopeGenerationKey = (scope: string) => `cache:gen:scope:${encodeScope(scope)}`;
const modelGenerationKey = (model: string) => `cache:gen:model:${encodeScope(model)}`;

/**
 * Exact-mode entries in the key-value store, one JSON value per entry under
 * `cache:exact:<scope>:<model>:<generations>:<key>`, with the entry's TTL.
 *
 * Purge without SCAN: each of "everything", a scope and a model has a generation counter
 * (`cache:gen:all`, `cache:gen:scope:<scope>`, `cache:gen:model:<model>`, absent = 0), and the current
 * three are part of every entry key. A purge increments one counter, so every entry stored before it
 * becomes unreachable at once and leaves by its own TTL. The counters have no TTL: a counter that
 * vanished would bring old entries back, so the cache's Redis must not evict keys without a TTL (use a
 * `volatile-*` eviction policy, not `allkeys-*`).
 *
 * The scope and model are part of the entry key even though the API's exact key already includes the
 * scope: isolation between tenants does not depend on the caller computing the key right.
 */
export function createExactStore(kv: KeyValueStore, options: { maxEntryBytes?: number } = {}): ExactStore {
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;

  const entryKey = async (scope: string, model: string, key: string): Promise<string> => {
    const [all, ofScope, ofModel] = await Promise.all([kv.get(allGenerationKey), kv.get(scopeGenerationKey(scope)), kv.get(modelGenerationKey(model))]);
    return `cache:exact:${encodeScope(scope)}:${encodeScope(model)}:${all ?? '0'}.${ofScope ?? '0'}.${ofModel ?? '0'}:${key}`;
  };

  return {
    async lookup(scope, model, key) {
      const value = await kv.get(await entryKey(scope, model, key));
      return value === null ? null : (JSON.parse(value) as CacheEntry);
    },

    async store(scope, model, key, entry, ttlSeconds) {
      const value = JSON.stringify(entry);
      const bytes = Buffer.byteLength(value);
      if (bytes > maxEntryBytes) return { stored: false, reason: 'too_large' };
      await kv.set(await entryKey(scope, model, key), value, { ttlMs: Math.max(1, Math.ceil(ttlSeconds * 1000)) });
      return { stored: true, bytes };
    },

    async purge(selector) {
      const counter = 'all' in selector ? allGenerationKey : 'scope' in selector ? scopeGenerationKey(selector.scope) : modelGenerationKey(selector.model);
      await kv.increment(counter, 1);
      return 1;
    },
  };
}
