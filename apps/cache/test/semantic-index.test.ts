import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gateway/kv';
import { testServiceUrls, uniqueName } from '../../../packages/testkit/src/test-env.ts';
import { createSemanticIndex } from '../src/domain/semantic-index.ts';

const vector = (...values: number[]) => new Float32Array(values);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const implementations: Array<[string, () => Promise<KeyValueStore>]> = [
  ['memory', async () => createMemoryStore()],
  ['redis', () => createRedisStore({ url: testServiceUrls().redisUrl, keyPrefix: `${uniqueName('semantic')}:` })],
];

describe.each(implementations)('semantic index over the %s store', (_name, create) => {
  let store: KeyValueStore;
  beforeEach(async () => {
    store = await create();
  });
  afterEach(async () => {
    await store.close();
  });

  it('hits at or above the threshold and misses below it', async () => {
    const index = createSemanticIndex(store);
    await index.add('p', 'north', vector(1, 0, 0), 60_000);
    await index.add('p', 'east', vector(0, 1, 0), 60_000);
    expect(await index.search('p', vector(1, 0.1, 0), 0.99)).toEqual({ id: 'north', similarity: expect.closeTo(0.995, 3) });
    expect(await index.search('p', vector(1, 0.1, 0), 0.999)).toBeNull();
    expect(await index.search('p', vector(0, 0, 1), 0.1)).toBeNull();
  });

  it('keeps partitions apart', async () => {
    const index = createSemanticIndex(store);
    await index.add('tenant-a:model', 'answer', vector(1, 0), 60_000);
    expect(await index.search('tenant-b:model', vector(1, 0), 0.5)).toBeNull();
    // A partition that is a prefix of another, and ids with separators, do not collide either.
    await index.add('tenant-a', 'model:answer', vector(0, 1), 60_000);
    expect((await index.search('tenant-a:model', vector(0, 1), 0.5))).toBeNull();
    expect((await index.search('tenant-a', vector(0, 1), 0.5))?.id).toBe('model:answer');
  });

  it('lets another instance over the same store load the partition, then refresh it by version', async () => {
    const writer = createSemanticIndex(store);
    const reader = createSemanticIndex(store);
    await writer.add('p', 'one', vector(1, 0, 0), 60_000);
    expect((await reader.search('p', vector(1, 0, 0), 0.99))?.id).toBe('one');
    await writer.add('p', 'two', vector(0, 1, 0), 60_000);
    expect((await reader.search('p', vector(0, 1, 0), 0.99))?.id).toBe('two');
    await writer.remove('p', 'one');
    expect(await reader.search('p', vector(1, 0, 0), 0.5)).toBeNull();
    expect(reader.size('p')).toBe(1);
    // The reader's own add keeps it current without a reload, and the writer sees it.
    await reader.add('p', 'three', vector(0, 0, 1), 60_000);
    expect((await writer.search('p', vector(0, 0, 1), 0.99))?.id).toBe('three');
  });

  it('expires members with their TTL, in the store as well', async () => {
    const writer = createSemanticIndex(store);
    await writer.add('p', 'short', vector(1, 0), 60);
    await writer.add('p', 'long', vector(0, 1), 60_000);
    await sleep(120);
    expect(await writer.search('p', vector(1, 0), 0.5)).toBeNull();
    const reader = createSemanticIndex(store);
    expect(await reader.search('p', vector(1, 0), 0.5)).toBeNull();
    expect((await reader.search('p', vector(0, 1), 0.5))?.id).toBe('long');
    expect(reader.size('p')).toBe(1);
  });

  it('prunes expired members from the member list when it rewrites it', async () => {
    const index = createSemanticIndex(store, { compactEvery: 1 });
    await index.add('p', 'gone', vector(1, 0), 50);
    await sleep(100);
    await index.add('p', 'kept', vector(0, 1), 60_000);
    const list = await store.get('cache:vecidx:p');
    expect(list?.trim().split('\n')).toEqual([expect.stringMatching(/^\d+ kept$/)]);
  });

  it('evicts the oldest members above the cap', async () => {
    const index = createSemanticIndex(store, { maxMembersPerPartition: 3 });
    for (let member = 0; member < 5; member += 1) await index.add('p', `m${member}`, vector(1, member, 0), 60_000);
    const reader = createSemanticIndex(store, { maxMembersPerPartition: 3 });
    expect(await reader.search('p', vector(1, 0, 0), 0.999)).toBeNull();
    expect(await reader.search('p', vector(1, 1, 0), 0.999)).toBeNull();
    expect((await reader.search('p', vector(1, 2, 0), 0.999))?.id).toBe('m2');
    expect(reader.size('p')).toBe(3);
    expect(await store.get('cache:vec:p:m0')).toBeNull();
    expect(await store.get('cache:vec:p:m4')).not.toBeNull();
  });

  it('removes a member from the store and from memory', async () => {
    const index = createSemanticIndex(store);
    await index.add('p', 'x', vector(1, 0), 60_000);
    expect((await index.search('p', vector(1, 0), 0.9))?.id).toBe('x');
    await index.remove('p', 'x');
    expect(await index.search('p', vector(1, 0), 0.1)).toBeNull();
    expect(await store.get('cache:vec:p:x')).toBeNull();
    await index.remove('p', 'never-added');
  });

  it('treats a re-added id as new: the latest vector and TTL win', async () => {
    const index = createSemanticIndex(store, { maxMembersPerPartition: 2 });
    await index.add('p', 'a', vector(1, 0, 0), 60_000);
    await index.add('p', 'b', vector(0, 1, 0), 60_000);
    await index.add('p', 'a', vector(0, 0, 1), 60_000);
    await index.add('p', 'c', vector(1, 1, 0), 60_000);
    const reader = createSemanticIndex(store);
    expect((await reader.search('p', vector(0, 0, 1), 0.99))?.id).toBe('a');
    expect(await reader.search('p', vector(1, 0, 0), 0.99)).toBeNull();
    expect(await reader.search('p', vector(0, 1, 0), 0.99)).toBeNull();
  });
});
