import type { KeyCacheSettings } from './cache-config.ts';

/** The cache scope of keys that share one (`cache.scope: <name>`). */
export function teamCacheScope(name: string): string {
  return `team:${name}`;
}

/**
 * Whose cache a key's requests use: `team:<scope>` when the key names a shared scope (every key with the
 * same scope shares the entries), else `key:<id>`, a cache of its own. The prefixes keep a scope name
 * from ever equalling a key id.
 */
export function cacheScopeOf(key: { id: string; cache: KeyCacheSettings | null }): string {
  const scope = key.cache?.scope;
  return scope === undefined ? `key:${key.id}` : teamCacheScope(scope);
}
