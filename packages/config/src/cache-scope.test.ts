import { describe, expect, it } from 'vitest';
import { cacheScopeOf, teamCacheScope } from './cache-scope.ts';

describe('cacheScopeOf', () => {
  it('gives a key without a scope a cache of its own', () => {
    expect(cacheScopeOf({ id: 'key_1', cache: null })).toBe('key:key_1');
    expect(cacheScopeOf({ id: 'key_1', cache: { mode: 'exact', ttl: 60 } })).toBe('key:key_1');
  });

  it('gives keys with the same scope the same cache, apart from any key id', () => {
    const first = cacheScopeOf({ id: 'key_1', cache: { scope: 'search' } });
    expect(first).toBe('team:search');
    expect(cacheScopeOf({ id: 'key_2', cache: { scope: 'search', ttl: 10 } })).toBe(first);
    expect(teamCacheScope('search')).toBe(first);
    // A scope named like a key id still cannot meet that key's own cache.
    expect(cacheScopeOf({ id: 'x', cache: { scope: 'key_1' } })).not.toBe(cacheScopeOf({ id: 'key_1', cache: null }));
  });
});
