import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmbedderAdapter, encodeVector } from '@gateway/cache-client';
import { createMemoryBus, createNatsBus, type Bus } from '@gateway/bus';
import { cacheLookup, cachePurge, cacheStore, type CacheEntry } from '@gateway/contracts';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gateway/kv';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import { startCacheService } from '../src/index.ts';

const entry: CacheEntry = {
  response: [{ choices: [{ index: 0, delta: { content: 'Par' } }] }, { choices: [{ index: 0, delta: { content: 'is' }, finish_reason: 'stop' }] }],
  stream: true,
  usage: { inputTokens: 12, outputTokens: 2 },
  costUsd: null,
  model: 'llama-3.1-8b-instant',
  provider: 'groq-main',
  createdAt: '2026-12-02T12:00:00.000Z',
};

const embedder = createLocalEmbedderAdapter();
const vectorOf = async (text: string) => encodeVector((await embedder.embed([text]))[0]!);

const setups: Array<[string, () => Promise<Bus>, () => Promise<KeyValueStore>]> = [
  ['memory bus and memory store', async () => createMemoryBus(), async () => createMemoryStore()],
  [
    'NATS and Redis',
    () => createNatsBus({ url: testServiceUrls().natsUrl, name: 'cache-test', namespace: uniqueName('cache') }),
    () => createRedisStore({ url: testServiceUrls().redisUrl, keyPrefix: `${uniqueName('cache')}:` }),
  ],
];

describe.each(setups)('cache service on the %s', (_name, createBus, createStore) => {
  let bus: Bus;
  let store: KeyValueStore;
  let service: { stop(): Promise<void> };
  const metrics = createMetrics({ service: 'cache-test' });

  beforeAll(async () => {
    bus = await createBus();
    store = await createStore();
    service = await startCacheService({ bus, store, logger: createLogger({ service: 'cache', level: 'silent' }), metrics, maxEntryBytes: 2048 });
  });
  afterAll(async () => {
    await service?.stop();
    await bus?.close();
    await store?.close();
  });

  const lookup = async (scope: string, mode: 'exact' | 'semantic' = 'exact', model = 'fast', text = 'What is the capital of France?', key = `${scope}:abc`) =>
    bus.request(cacheLookup, {
      requestId: 'r-lookup',
      scope,
      model,
      mode,
      key,
      ...(mode === 'semantic' ? { semantic: { partition: `${scope}:p`, vector: await vectorOf(text), threshold: 0.8 } } : {}),
    });

  it('misses, stores, then hits; counts lookups by mode and result', async () => {
    expect(await lookup('k1')).toEqual({ status: 'miss' });
    expect(await bus.request(cacheStore, { requestId: 'r-store', scope: 'k1', model: 'fast', key: 'k1:abc', ttlSeconds: 60, entry })).toEqual({ stored: true });
    expect(await lookup('k1')).toEqual({ status: 'hit', entry });
    // Another scope with the same key text misses.
    expect(await bus.request(cacheLookup, { requestId: 'r', scope: 'k2', model: 'fast', mode: 'exact', key: 'k1:abc' })).toEqual({ status: 'miss' });
    const counted = await metrics.registry.getSingleMetricAsString('gateway_cache_lookups_total');
    expect(counted).toContain('gateway_cache_lookups_total{mode="exact",result="hit",model="fast",service="cache-test"} 1');
    expect(counted).toContain('gateway_cache_lookups_total{mode="exact",result="miss",model="fast",service="cache-test"} 2');
    const entries = await metrics.registry.getSingleMetricAsString('gateway_cache_entries');
    expect(entries).toContain('gateway_cache_entries{model="fast",service="cache-test"} 1');
  });

  it('answers a semantic lookup from the exact key first, then from a similar prompt of the same partition', async () => {
    const semantic = { partition: 's1:p', vector: await vectorOf('What is the capital of France?') };
    await bus.request(cacheStore, { requestId: 'r', scope: 's1', model: 'fast', key: 's1:abc', ttlSeconds: 60, entry, semantic });
    expect(await lookup('s1', 'semantic')).toEqual({ status: 'hit', entry });
    const similar = await lookup('s1', 'semantic', 'fast', 'what is the capital of France', 's1:other');
    expect(similar).toMatchObject({ status: 'semantic_hit', entry });
    expect(similar.similarity).toBeGreaterThan(0.8);
    expect(similar.similarity).toBeLessThan(1);
    expect((await lookup('s1', 'semantic', 'fast', 'How do I bake sourdough bread at home?', 's1:third')).status).toBe('miss');
    // Another scope never sees it, even when it names the same partition.
    expect(await lookup('s2', 'semantic')).toEqual({ status: 'miss' });
    const foreign = await bus.request(cacheLookup, {
      requestId: 'r', scope: 's2', model: 'fast', mode: 'semantic', key: 's2:other', semantic: { ...semantic, threshold: 0.5 },
    });
    expect(foreign).toEqual({ status: 'miss' });
    // A purge retires semantic matches with the entries they point to.
    await bus.request(cachePurge, { scope: 's1' });
    expect((await lookup('s1', 'semantic', 'fast', 'what is the capital of France', 's1:other')).status).toBe('miss');
  });

  it('refuses an entry over the maximum size', async () => {
    const large = { ...entry, response: 'x'.repeat(4000) };
    expect(await bus.request(cacheStore, { requestId: 'r', scope: 'big', model: 'fast', key: 'big:abc', ttlSeconds: 60, entry: large })).toEqual({
      stored: false,
      reason: 'too_large',
    });
    expect(await lookup('big')).toEqual({ status: 'miss' });
  });

  it('purges by scope, by model and everything', async () => {
    const put = (scope: string, model: string) => bus.request(cacheStore, { requestId: 'r', scope, model, key: `${scope}:abc`, ttlSeconds: 60, entry });
    expect(await put('p0', 'fast')).toEqual({ stored: true });
    await put('p1', 'fast');
    await put('p2', 'fast');
    await put('p3', 'slow');
    expect(await bus.request(cachePurge, { scope: 'p1' })).toEqual({ removed: 1 });
    expect((await lookup('p1')).status).toBe('miss');
    expect((await lookup('p2')).status).toBe('hit');
    expect(await bus.request(cachePurge, { model: 'fast' })).toEqual({ removed: 1 });
    expect((await lookup('p2')).status).toBe('miss');
    expect((await lookup('p3', 'exact', 'slow')).status).toBe('hit');
    expect(await bus.request(cachePurge, { all: true })).toEqual({ removed: 1 });
    expect((await lookup('p3', 'exact', 'slow')).status).toBe('miss');
  });

  it('rejects a purge that names no selector or several', async () => {
    await expect(bus.request(cachePurge, {})).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(bus.request(cachePurge, { scope: 'a', model: 'b' })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
