import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '@gateway/bus';
import { configChanged } from '@gateway/contracts';
import { KeyCache, type CachedKey } from './key-cache.ts';

const key: CachedKey = { id: 'key_1', name: 'k', models: null, metadata: {}, strict: false, cache: null, guardrails: null, expiresAt: null, revokedAt: null };

describe('KeyCache', () => {
  it('looks a key up once, then answers from memory', async () => {
    const bus = createMemoryBus();
    let lookups = 0;
    const cache = new KeyCache({ bus, lookup: async () => (lookups++, key) });
    const [first, second] = await Promise.all([cache.get('gw-a'), cache.get('gw-a')]);
    expect(first).toBe(key);
    expect(second).toBe(key);
    expect(await cache.get('gw-a')).toBe(key);
    expect(lookups).toBe(1);
    cache.close();
  });

  it('forgets everything when a key changes anywhere', async () => {
    const bus = createMemoryBus();
    let current: CachedKey = key;
    const cache = new KeyCache({ bus, lookup: async () => current });
    expect((await cache.get('gw-a'))?.revokedAt).toBeNull();
    current = { ...key, revokedAt: new Date() };
    bus.publish(configChanged, { entity: 'key', id: 'key_1', action: 'deleted' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await cache.get('gw-a'))?.revokedAt).toBeInstanceOf(Date);
    cache.close();
  });

  it('caches unknown keys only briefly', async () => {
    const bus = createMemoryBus();
    let lookups = 0;
    const cache = new KeyCache({ bus, lookup: async () => (lookups++, null), negativeTtlMs: 30 });
    expect(await cache.get('gw-unknown')).toBeNull();
    expect(await cache.get('gw-unknown')).toBeNull();
    expect(lookups).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await cache.get('gw-unknown');
    expect(lookups).toBe(2);
    cache.close();
  });

  it('does not re-cache a lookup that started before a change', async () => {
    const bus = createMemoryBus();
    let release: (value: CachedKey) => void = () => undefined;
    let calls = 0;
    const cache = new KeyCache({
      bus,
      lookup: () => {
        calls++;
        return calls === 1 ? new Promise<CachedKey>((resolve) => (release = resolve)) : Promise.resolve({ ...key, name: 'fresh' });
      },
    });
    const stale = cache.get('gw-a');
    cache.clear();
    release(key);
    expect((await stale)?.name).toBe('k');
    expect((await cache.get('gw-a'))?.name).toBe('fresh');
    cache.close();
  });
});
