import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore, createRedisStore, type AtomicScript, type KeyValueStore } from '../src/index.ts';
import { testServiceUrls, uniqueName } from '../../testkit/src/test-env.ts';

/** Takes one unit from KEYS[1] while it is below ARGV[1]; the window (ARGV[2] ms) starts at the first take. */
const takeOne: AtomicScript<{ taken: boolean; used: number; now: number }> = {
  name: 'test_take_one',
  lua: `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {0, used, now} end
used = redis.call('INCRBY', KEYS[1], 1)
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, used, now}`,
  memory(keys, [key], [limit, windowMs], now) {
    const used = Number(keys.get(key!) ?? '0');
    if (used >= Number(limit)) return [0, used, now];
    const next = keys.incrBy(key!, 1);
    if (keys.pttl(key!) === -1) keys.pexpire(key!, Number(windowMs));
    return [1, next, now];
  },
  parse(reply) {
    const [taken, used, now] = reply as [number, number, number];
    return { taken: taken === 1, used: Number(used), now: Number(now) };
  },
};

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

  it('runs an atomic script: 50 concurrent takes against a limit of 10 take exactly 10', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => store.run(takeOne, ['limited'], [10, 60_000])));
    expect(results.filter((result) => result.taken)).toHaveLength(10);
    expect(Math.max(...results.map((result) => result.used))).toBe(10);
    // The store's clock reaches the script.
    expect(Math.abs(results[0]!.now - Date.now())).toBeLessThan(5_000);
    expect(await store.get('limited')).toBe('10');
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
