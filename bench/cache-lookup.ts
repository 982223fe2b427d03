/**
 * `npm run bench:cache-lookup`: what a semantic lookup costs in the service-side index
 * (apps/cache/src/domain/semantic-index.ts) at 100 000 entries, over the in-memory store, in-process.
 *
 * Three layouts of 100 000 pseudo-random 512-dimension unit vectors (the local embedder's size; the scan
 * cost does not depend on what the vectors hold): all in one partition (cap raised to 100 000), spread
 * over 100 partitions of 1 000, and one partition at the default cap of 10 000 (what a single hot
 * partition holds in production). Each search reads the partition's version (one store GET) and scans
 * the partition; the partition is loaded before timing, so the figures are the steady state.
 */
import { performance } from 'node:perf_hooks';
import { createMemoryStore } from '@gateway/kv';
import { createSemanticIndex, DEFAULT_MAX_MEMBERS_PER_PARTITION } from '../apps/cache/src/domain/semantic-index.ts';

const DIMENSIONS = 512;
const TOTAL_ENTRIES = 100_000;
const THRESHOLD = 0.95;
const TTL_MS = 3_600_000;
/** Time spent searching per layout, at least, and a minimum number of searches. */
const MIN_SECONDS = 3;
const MIN_SEARCHES = 30;

// A small deterministic generator (mulberry32) so runs compare.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(42);
function unitVector(): Float32Array {
  const vector = new Float32Array(DIMENSIONS);
  let squares = 0;
  for (let index = 0; index < DIMENSIONS; index += 1) {
    vector[index] = next() - 0.5;
    squares += vector[index]! * vector[index]!;
  }
  const scale = 1 / Math.sqrt(squares);
  for (let index = 0; index < DIMENSIONS; index += 1) vector[index]! *= scale;
  return vector;
}

interface Layout {
  name: string;
  partitions: number;
  entries: number;
  cap: number;
}

const layouts: Layout[] = [
  { name: '1 partition × 100 000', partitions: 1, entries: TOTAL_ENTRIES, cap: TOTAL_ENTRIES },
  { name: '100 partitions × 1 000', partitions: 100, entries: TOTAL_ENTRIES, cap: DEFAULT_MAX_MEMBERS_PER_PARTITION },
  { name: '1 partition × 10 000 (default cap)', partitions: 1, entries: 10_000, cap: DEFAULT_MAX_MEMBERS_PER_PARTITION },
];

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

console.log(`semantic index lookup, memory store, in-process, ${DIMENSIONS} dimensions, threshold ${THRESHOLD}, Node ${process.version}`);
const rows: string[][] = [];
for (const layout of layouts) {
  const store = createMemoryStore();
  const index = createSemanticIndex(store, { maxMembersPerPartition: layout.cap });
  const partitionOf = (entry: number) => `bench:${entry % layout.partitions}`;

  let started = performance.now();
  for (let entry = 0; entry < layout.entries; entry += 1) await index.add(partitionOf(entry), `entry-${entry}`, unitVector(), TTL_MS);
  const addsPerSecond = layout.entries / ((performance.now() - started) / 1000);

  // Loads every partition (the first search of a replica), timed apart from the steady state.
  started = performance.now();
  for (let partition = 0; partition < layout.partitions; partition += 1) await index.search(`bench:${partition}`, unitVector(), THRESHOLD);
  const loadMs = performance.now() - started;

  const queries = Array.from({ length: 64 }, unitVector);
  // Warm-up, so the timing measures optimised code.
  for (let search = 0; search < 10; search += 1) await index.search(partitionOf(search), queries[search % queries.length]!, THRESHOLD);
  const latencies: number[] = [];
  started = performance.now();
  while (latencies.length < MIN_SEARCHES || performance.now() - started < MIN_SECONDS * 1000) {
    const search = latencies.length;
    const before = performance.now();
    await index.search(partitionOf(search), queries[search % queries.length]!, THRESHOLD);
    latencies.push(performance.now() - before);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((left, right) => left - right);
  const stats = index.stats();
  rows.push([
    layout.name,
    (latencies.length / seconds).toFixed(0),
    quantile(latencies, 0.5).toFixed(3),
    quantile(latencies, 0.99).toFixed(3),
    addsPerSecond.toFixed(0),
    loadMs.toFixed(0),
    (stats.bytes / 1024 / 1024).toFixed(1),
  ]);
  await store.close();
}

const header = ['layout', 'lookups/s', 'p50 ms', 'p99 ms', 'adds/s', 'load ms', 'vector MiB'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const format = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
console.log(format(header));
for (const row of rows) console.log(format(row));
