import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '../src/index.ts';
import { testServiceUrls, uniqueName } from '../../testkit/src/test-env.ts';

const implementations: Array<[string, () => Promise<KeyValueStore>]> = [
  ['memory', async () => createMemoryStore()],
  ['redis', () => createRedisStore({ url: testServiceUrls().redisUrl, keyPrefix: `${uniqueName('kv')}:` })],
];

describe.each(implementations)('%s key-value store', (_name, create) => {
  let store: KeyValueStore;
  beforeAll(async () => {
    store = await create();
  });
  afterAll(async () => {
    await store.close();
  });

  it('sets, gets and deletes values', async () => {
    expect(await store.get('missing')).toBeNull();
    await store.set('a', 'one');
    expect(await store.get('a')).toBe('one');
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await store.get('a')).toBeNull();
  });

  it('expires values after their TTL', async () => {
    await store.set('short', 'x', { ttlMs: 50 });
    expect(await store.get('short')).toBe('x');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.get('short')).toBeNull();
  });

  it('increments counters and sets the TTL only on creation', async () => {
    expect(await store.increment('counter', 1, { ttlMs: 80 })).toBe(1);
    expect(await store.increment('counter', 5, { ttlMs: 10_000 })).toBe(6);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await store.increment('counter')).toBe(1);
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
