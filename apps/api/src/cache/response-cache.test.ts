import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalEmbedderAdapter } from '@gateway/cache-client';
import { createMemoryBus, type Bus, type ServiceHandle } from '@gateway/bus';
import { cacheLookup, cacheStore, type CacheEntry, type CacheLookupRequest, type CacheStoreRequest } from '@gateway/contracts';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { ResponseCache, type RequestCacheSettings } from './response-cache.ts';

const settings: RequestCacheSettings = { mode: 'exact', ttlSeconds: 60, threshold: 0.9, embedder: 'local', scope: 'key:k1' };
const body = { model: 'fast', messages: [{ role: 'user', content: 'What is the capital of France?' }] };
const facts = { usage: { inputTokens: 7, outputTokens: 1 }, costUsd: 0.001, model: 'gpt-4o-mini', provider: 'openai' };

/** A cache service on the bus that keeps entries in a Map and can be made to hang. */
async function fakeCacheService(bus: Bus) {
  const entries = new Map<string, CacheEntry>();
  const lookups: CacheLookupRequest[] = [];
  const stores: CacheStoreRequest[] = [];
  const control = { hang: false, hangStore: false };
  const handle: ServiceHandle = await bus.serve({
    name: 'cache',
    version: '1.0.0',
    description: 'test cache',
    endpoints: [
      {
        endpoint: cacheLookup,
        handler: async (request) => {
          lookups.push(request);
          if (control.hang) await new Promise((resolve) => setTimeout(resolve, 200));
          const entry = entries.get(`${request.scope}|${request.key}`);
          return entry ? { status: 'hit' as const, entry } : { status: 'miss' as const };
        },
      },
      {
        endpoint: cacheStore,
        handler: async (request) => {
          stores.push(request);
          if (control.hangStore) await new Promise((resolve) => setTimeout(resolve, 200));
          entries.set(`${request.scope}|${request.key}`, request.entry);
          return { stored: true };
        },
      },
    ],
  });
  return { entries, lookups, stores, control, handle };
}

describe('ResponseCache', () => {
  let bus: Bus;
  let service: Awaited<ReturnType<typeof fakeCacheService>>;
  let cache: ResponseCache;
  const metrics = createMetrics({ service: 'response-cache-test' });

  beforeEach(async () => {
    bus = createMemoryBus();
    service = await fakeCacheService(bus);
    cache = new ResponseCache({
      bus,
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics,
      embedderFor: (name) => (name === 'local' ? createLocalEmbedderAdapter() : undefined),
      lookupTimeoutMs: 50,
    });
  });
  afterEach(async () => {
    await service.handle.stop();
    await bus.close();
  });

  const begin = (overrides: Partial<Parameters<ResponseCache['begin']>[0]> = {}) =>
    cache.begin({ requestId: 'r1', surface: 'openai', body, model: 'fast', settings, directive: { read: true, write: true }, ...overrides });

  /** Looks up and, like a route, finishes the ticket (as the provider call would end). */
  const lookupOnce = async (overrides: Partial<Parameters<ResponseCache['begin']>[0]> = {}) => {
    const ticket = begin(overrides);
    try {
      return await ticket.lookup();
    } finally {
      ticket.finish();
    }
  };

  const stored = async (count: number) => {
    for (let wait = 0; service.stores.length < count && wait < 100; wait += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    return service.stores.length;
  };

  it('misses, stores after the answer, then hits', async () => {
    const first = begin();
    expect(await first.lookup()).toBeNull();
    expect(first.status).toBe('miss');
    first.storeJson({ id: 'chatcmpl-1' }, facts);
    first.finish();
    expect(await stored(1)).toBe(1);
    expect(service.stores[0]).toMatchObject({ scope: 'key:k1', model: 'fast', ttlSeconds: 60, entry: { response: { id: 'chatcmpl-1' }, stream: false, costUsd: 0.001 } });

    const second = begin({ requestId: 'r2' });
    expect(await second.lookup()).toMatchObject({ status: 'hit', coalesced: false, entry: { response: { id: 'chatcmpl-1' } } });
    expect(second.status).toBe('hit');
  });

  it('coalesces identical requests in flight: one leader, the others get its answer', async () => {
    const leader = begin();
    expect(await leader.lookup()).toBeNull();
    const followers = [begin({ requestId: 'r2' }), begin({ requestId: 'r3' })];
    const waiting = followers.map((ticket) => ticket.lookup());
    leader.storeJson({ id: 'chatcmpl-shared' }, facts);
    const answers = await Promise.all(waiting);
    for (const answer of answers) expect(answer).toMatchObject({ status: 'hit', coalesced: true, entry: { response: { id: 'chatcmpl-shared' } } });
    // Followers did not each ask the cache service after the leader answered... and only the leader stored.
    expect(await stored(1)).toBe(1);
  });

  it('answers an identical request that arrives after the answer but before the cache service stored it', async () => {
    service.control.hangStore = true;
    const leader = begin();
    await leader.lookup();
    leader.storeJson({ id: 'chatcmpl-pending-store' }, facts);
    const late = begin({ requestId: 'r2' });
    expect(await late.lookup()).toMatchObject({ status: 'hit', coalesced: true, entry: { response: { id: 'chatcmpl-pending-store' } } });
    // Once stored, the flight is forgotten: the next request asks the cache service.
    await stored(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const lookupsBefore = service.lookups.length;
    expect(await lookupOnce({ requestId: 'r3' })).toMatchObject({ status: 'hit', coalesced: false });
    expect(service.lookups.length).toBe(lookupsBefore + 1);
  });

  it('still coalesces identical requests when the cache service is down', async () => {
    await service.handle.stop();
    const leader = begin();
    expect(await leader.lookup()).toBeNull();
    const follower = begin({ requestId: 'r2' });
    const waiting = follower.lookup();
    leader.storeJson({ id: 'chatcmpl-down' }, facts);
    expect(await waiting).toMatchObject({ status: 'hit', coalesced: true });
    leader.finish();
  });

  it('releases followers to call the provider themselves when the leader fails', async () => {
    const leader = begin();
    await leader.lookup();
    const follower = begin({ requestId: 'r2' });
    const waiting = follower.lookup();
    leader.finish();
    expect(await waiting).toBeNull();
    expect(follower.status).toBe('miss');
  });

  it('does not coalesce requests of another scope or model', async () => {
    const leader = begin();
    await leader.lookup();
    const otherScope = begin({ settings: { ...settings, scope: 'key:k2' } });
    const otherModel = begin({ model: 'slow' });
    expect(await otherScope.lookup()).toBeNull();
    expect(await otherModel.lookup()).toBeNull();
    leader.finish();
    otherScope.finish();
    otherModel.finish();
  });

  it('fails open: a lookup that times out is a BYPASS, counted, and nothing is stored', async () => {
    service.control.hang = true;
    const ticket = begin();
    expect(await ticket.lookup()).toBeNull();
    expect(ticket.status).toBe('bypass');
    ticket.storeJson({ id: 'x' }, facts);
    ticket.finish();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(service.stores).toHaveLength(0);
    expect(await metrics.registry.getSingleMetricAsString('gateway_cache_failures_total')).toMatch(/operation="lookup".* [1-9]/);
  });

  it('fails open when no cache service answers at all', async () => {
    await service.handle.stop();
    const ticket = begin();
    expect(await ticket.lookup()).toBeNull();
    expect(ticket.status).toBe('bypass');
  });

  it('follows the directive: no-cache neither reads nor writes, force-refresh writes without reading, no-store reads only', async () => {
    const bypass = begin({ directive: { read: false, write: false } });
    expect(await bypass.lookup()).toBeNull();
    expect(bypass.status).toBe('bypass');
    bypass.storeJson({ id: 'a' }, facts);

    const noStore = begin({ directive: { read: true, write: false } });
    expect(await noStore.lookup()).toBeNull();
    noStore.storeJson({ id: 'b' }, facts);
    noStore.finish();
    expect(service.lookups).toHaveLength(1);

    const refresh = begin({ directive: { read: false, write: true } });
    expect(await refresh.lookup()).toBeNull();
    expect(refresh.status).toBe('refresh');
    refresh.storeJson({ id: 'c' }, facts);
    expect(await stored(1)).toBe(1);
    expect(service.stores[0]!.entry.response).toEqual({ id: 'c' });
  });

  it('serves an entry only within max-age and only in the form the request asked for', async () => {
    const first = begin();
    await first.lookup();
    first.storeJson({ id: 'old' }, facts);
    first.finish();
    await stored(1);
    const [only] = [...service.entries.values()];
    only!.createdAt = new Date(Date.now() - 120_000).toISOString();
    expect(await lookupOnce({ directive: { read: true, write: true, maxAgeSeconds: 60 } })).toBeNull();
    expect(await lookupOnce({ directive: { read: true, write: true, maxAgeSeconds: 600 } })).toMatchObject({ status: 'hit' });
    only!.stream = true;
    expect(await lookupOnce()).toBeNull();
  });

  it('sends the partition and the embedding in semantic mode, and the exact key alone when the prompt is not eligible', async () => {
    const semantic = begin({ settings: { ...settings, mode: 'semantic' } });
    await semantic.lookup();
    semantic.finish();
    expect(service.lookups.at(-1)).toMatchObject({ mode: 'semantic', semantic: { threshold: 0.9 } });
    expect(service.lookups.at(-1)!.semantic!.partition).toMatch(/^key%3Ak1:[0-9a-f]{64}$/);
    const toolTurn = { ...body, messages: [...body.messages, { role: 'tool', tool_call_id: 't', content: '42' }] };
    const toolTicket = begin({ settings: { ...settings, mode: 'semantic' }, body: toolTurn, requestId: 'r9' });
    await toolTicket.lookup();
    toolTicket.finish();
    expect(service.lookups.at(-1)).toMatchObject({ mode: 'exact' });
    expect(service.lookups.at(-1)!.semantic).toBeUndefined();
    // An embedder that is not available makes the lookup exact rather than failing the request.
    await lookupOnce({ settings: { ...settings, mode: 'semantic', embedder: 'unknown-model' }, requestId: 'r10' });
    expect(service.lookups.at(-1)).toMatchObject({ mode: 'exact' });
  });
});
