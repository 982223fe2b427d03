import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheEntry } from '@gateway/contracts';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gateway/kv';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import { createExactStore, type ExactStore } from '../src/index.ts';

const entry: CacheEntry = {
  response: { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris' }, finish_reason: 'stop' }] },
  stream: false,
  usage: { inputTokens: 12, outputTokens: 1 },
  costUsd: 0.00002,
  model: 'gpt-4o-mini',
  provider: 'openai-main',
  createdAt: '2026-12-02T12:00:00.000Z',
};

const implementations: Array<[string, () => Promise<KeyValueStore>]> = [
  ['memory', async () => createMemoryStore()],
  ['redis', () => createRedisStore({ url: testServiceUrls().redisUrl, keyPrefix: `${uniqueName('cache')}:` })],
];

describe.each(implementations)('exact store on the %s key-value store', (_name, create) => {
  let kv: KeyValueStore;
  let store: ExactStore;
  beforeAll(async () => {
    kv = await create();
    store = createExactStore(kv, { maxEntryBytes: 4096 });
  });
  afterAll(async () => {
    await kv.close();
  });

  it('returns what was stored under the same scope, model and key', async () => {
    expect(await store.lookup('team-a', 'fast', 'team-a:k1')).toBeNull();
    expect(await store.store('team-a', 'fast', 'team-a:k1', entry, 60)).toMatchObject({ stored: true });
    expect(await store.lookup('team-a', 'fast', 'team-a:k1')).toEqual(entry);
  });

  it('forgets an entry after its TTL', async () => {
    await store.store('team-a', 'fast', 'short', entry, 0.05);
    expect(await store.lookup('team-a', 'fast', 'short')).toEqual(entry);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await store.lookup('team-a', 'fast', 'short')).toBeNull();
  });

  it('refuses an entry over the maximum size', async () => {
    const large = { ...entry, response: 'x'.repeat(5000) };
    expect(await store.store('team-a', 'fast', 'large', large, 60)).toEqual({ stored: false, reason: 'too_large' });
    expect(await store.lookup('team-a', 'fast', 'large')).toBeNull();
  });

  it('never answers one scope with another scope’s entry, even for the same key text', async () => {
    await store.store('team-a', 'fast', 'same-key', entry, 60);
    expect(await store.lookup('team-b', 'fast', 'same-key')).toBeNull();
    // Scopes that would collide if joined naively with the separator stay apart.
    await store.store('a:b', 'fast', 'c', entry, 60);
    expect(await store.lookup('a', 'fast', 'b:c')).toBeNull();
    expect(await store.lookup('team-a', 'fast', 'same-key')).toEqual(entry);
  });

  it('purges by scope, leaving other scopes', async () => {
    await store.store('purge-s1', 'fast', 'k', entry, 60);
    await store.store('purge-s2', 'fast', 'k', entry, 60);
    expect(await store.purge({ scope: 'purge-s1' })).toBe(1);
    expect(await store.lookup('purge-s1', 'fast', 'k')).toBeNull();
    expect(await store.lookup('purge-s2', 'fast', 'k')).toEqual(entry);
    // A new entry after the purge is reachable again.
    await store.store('purge-s1', 'fast', 'k', entry, 60);
    expect(await store.lookup('purge-s1', 'fast', 'k')).toEqual(entry);
  });

  it('purges by model, leaving other models', async () => {
    await store.store('purge-m', 'model-1', 'k', entry, 60);
    await store.store('purge-m', 'model-2', 'k', entry, 60);
    expect(await store.purge({ model: 'model-1' })).toBe(1);
    expect(await store.lookup('purge-m', 'model-1', 'k')).toBeNull();
    expect(await store.lookup('purge-m', 'model-2', 'k')).toEqual(entry);
  });

  it('purges everything', async () => {
    await store.store('purge-all-1', 'fast', 'k', entry, 60);
    await store.store('purge-all-2', 'slow', 'k', entry, 60);
    expect(await store.purge({ all: true })).toBe(1);
    expect(await store.lookup('purge-all-1', 'fast', 'k')).toBeNull();
    expect(await store.lookup('purge-all-2', 'slow', 'k')).toBeNull();
  });
});
