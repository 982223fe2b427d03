import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@gateway/kv';
import { createLocalEmbedderAdapter, decodeVector, encodeVector } from '@gateway/cache-client';
import { createSemanticIndex, parseMemberList } from './semantic-index.ts';

const vector = (...values: number[]) => new Float32Array(values);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('vector encoding', () => {
  it('round-trips Float32 values through base64, whatever the view offset', () => {
    const backing = new Float32Array([9, 0.25, -1.5, 3e-8]);
    const view = backing.subarray(1);
    expect([...decodeVector(encodeVector(view))]).toEqual([...view]);
  });
});

describe('parseMemberList', () => {
  it('keeps the last line of an id, in the order of those last lines, and decodes ids', () => {
    const members = parseMemberList('100 a\n200 b%3Ax\n300 a\n');
    expect([...members]).toEqual([
      ['b:x', 200],
      ['a', 300],
    ]);
  });
});

describe('semantic index over the memory store', () => {
  it('returns the best match at or above the threshold, null below it', async () => {
    const index = createSemanticIndex(createMemoryStore());
    await index.add('p', 'north', vector(1, 0, 0, 0), 60_000);
    await index.add('p', 'east', vector(0, 1, 0, 0), 60_000);
    const near = await index.search('p', vector(1, 0.1, 0, 0), 0.99);
    expect(near?.id).toBe('north');
    expect(near?.similarity).toBeCloseTo(1 / Math.sqrt(1.01), 5);
    expect(await index.search('p', vector(1, 0.1, 0, 0), 0.999)).toBeNull();
    expect(await index.search('p', vector(0, 0, 1, 0), 0.5)).toBeNull();
    expect(await index.search('other', vector(1, 0, 0, 0), 0.5)).toBeNull();
    expect(index.stats()).toEqual({ partitions: 1, entries: 2, bytes: 32 });
  });

  it('finds a near-duplicate prompt through the local embedder adapter', async () => {
    const embedder = createLocalEmbedderAdapter();
    const index = createSemanticIndex(createMemoryStore());
    const [stored, asked, unrelated] = await embedder.embed(['What is the capital of France?', 'what is the capital of france', 'How tall is Everest?']);
    await index.add('p', 'france', stored!, 60_000);
    expect((await index.search('p', asked!, 0.99))?.id).toBe('france');
    expect(await index.search('p', unrelated!, 0.5)).toBeNull();
  });

  it('evicts the oldest members above the cap, in memory and in the store', async () => {
    const store = createMemoryStore();
    const index = createSemanticIndex(store, { maxMembersPerPartition: 3 });
    for (let member = 0; member < 5; member += 1) await index.add('p', `m${member}`, vector(1, member, 0), 60_000);
    expect(await index.search('p', vector(1, 0, 0), 0.999)).toBeNull();
    expect((await index.search('p', vector(1, 4, 0), 0.999))?.id).toBe('m4');
    expect(index.size('p')).toBe(3);
    expect(await store.get('cache:vec:p:m0')).toBeNull();
    const fresh = createSemanticIndex(store, { maxMembersPerPartition: 3 });
    expect((await fresh.search('p', vector(1, 2, 0), 0.999))?.id).toBe('m2');
    expect(fresh.size('p')).toBe(3);
  });

  it('drops members whose TTL passed', async () => {
    const index = createSemanticIndex(createMemoryStore());
    await index.add('p', 'short', vector(1, 0), 40);
    await index.add('p', 'long', vector(0, 1), 60_000);
    expect((await index.search('p', vector(1, 0), 0.9))?.id).toBe('short');
    await sleep(80);
    expect(await index.search('p', vector(1, 0), 0.9)).toBeNull();
    expect(index.size('p')).toBe(1);
  });

  it('rejects a non-positive TTL and an invalid cap', async () => {
    const index = createSemanticIndex(createMemoryStore());
    await expect(index.add('p', 'x', vector(1), 0)).rejects.toThrow(/ttlMs/);
    expect(() => createSemanticIndex(createMemoryStore(), { maxMembersPerPartition: 0 })).toThrow(/maxMembersPerPartition/);
  });
});
