/**
 * `npm run bench:cache-paraphrase [-- --embedder E …]`: how well each embedder tells paraphrases from
 * non-paraphrases, and what a brute-force semantic lookup costs at 100 000 entries.
 *
 * Embedders: `local` (the built-in one, 512 dimensions), `local:<dimensions>`, or
 * `openai:<model>` — an OpenAI-compatible embeddings API at `--base-url` (default the OpenAI API) with
 * the key in EMBEDDINGS_API_KEY: what a configured embeddings model would give the semantic cache.
 * Without `--embedder`, `local` and `local:128`.
 *
 * Reads PAWS (../shared/data/paraphrase/paws-dev.tsv: id, sentence1, sentence2, label 1 = paraphrase),
 * embeds both sentences of each pair, and prints for several thresholds the hit rate on paraphrases
 * (label 1, similarity ≥ threshold: a semantic cache would rightly answer from the cache) and the
 * false-hit rate on non-paraphrases (label 0, similarity ≥ threshold: it would serve a wrong answer).
 * The scan timing uses pseudo-random unit vectors: its cost does not depend on what they hold.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createLocalEmbedder, dotProduct } from '@gateway/cache-client';

const { values: flags } = parseArgs({
  options: {
    embedder: { type: 'string', multiple: true },
    'base-url': { type: 'string', default: 'https://api.openai.com/v1' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (flags.help) {
  process.stdout.write('npm run bench:cache-paraphrase -- [--embedder local|local:<dims>|openai:<model>]… [--base-url URL]\n');
  process.exit(0);
}

const THRESHOLDS = [0.8, 0.85, 0.9, 0.95, 0.97, 0.99, 0.999];
const STORED_VECTORS = 100_000;
const SCAN_LOOKUPS = 50;

interface Pair {
  first: string;
  second: string;
  paraphrase: boolean;
}

function readPairs(path: string): Pair[] {
  const pairs: Pair[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [, first, second, label] = line.split('\t');
    // Skips a header row and blank lines: only 0 and 1 are labels.
    if (first === undefined || second === undefined || (label?.trim() !== '0' && label?.trim() !== '1')) continue;
    pairs.push({ first, second, paraphrase: label.trim() === '1' });
  }
  return pairs;
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`.padStart(7);

const dataPath = fileURLToPath(new URL('../../shared/data/paraphrase/paws-dev.tsv', import.meta.url));
const pairs = readPairs(dataPath);
const paraphrases = pairs.filter((pair) => pair.paraphrase).length;
const others = pairs.length - paraphrases;
interface BenchEmbedder {
  name: string;
  dimension: number;
  /** Vectors normalised to unit length, one per text. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

function unit(values: ArrayLike<number>): Float32Array {
  const vector = Float32Array.from(values);
  let squares = 0;
  for (const value of vector) squares += value * value;
  const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
  for (let index = 0; index < vector.length; index += 1) vector[index]! *= scale;
  return vector;
}

function embedderFor(spec: string): BenchEmbedder {
  if (spec === 'local' || spec.startsWith('local:')) {
    const local = createLocalEmbedder(spec === 'local' ? {} : { dimension: Number(spec.slice('local:'.length)) });
    return { name: `local, ${local.dimension} dimensions`, dimension: local.dimension, embed: async (texts) => texts.map((text) => local.embed(text)) };
  }
  if (spec.startsWith('openai:')) {
    const model = spec.slice('openai:'.length);
    const apiKey = process.env['EMBEDDINGS_API_KEY'];
    if (!apiKey) throw new Error(`${spec} needs EMBEDDINGS_API_KEY`);
    let dimension = 0;
    return {
      name: `${model} at ${flags['base-url']}`,
      get dimension() {
        return dimension;
      },
      async embed(texts) {
        const response = await fetch(`${flags['base-url']}/embeddings`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, input: texts }),
        });
        if (!response.ok) throw new Error(`embeddings call failed: ${response.status} ${await response.text()}`);
        const body = (await response.json()) as { data: Array<{ index: number; embedding: number[] }> };
        const vectors = body.data.sort((left, right) => left.index - right.index).map((item) => unit(item.embedding));
        dimension = vectors[0]?.length ?? dimension;
        return vectors;
      },
    };
  }
  throw new Error(`unknown embedder "${spec}" (local, local:<dimensions> or openai:<model>)`);
}

async function similaritiesOf(embedder: BenchEmbedder): Promise<{ similarities: number[]; embeddingsPerSecond: number }> {
  // Warm-up, so the timing below measures the optimised code.
  await embedder.embed(pairs.slice(0, 500).map((pair) => pair.first));
  const started = performance.now();
  const similarities: number[] = [];
  const batch = 256;
  for (let start = 0; start < pairs.length; start += batch) {
    const slice = pairs.slice(start, start + batch);
    const [firsts, seconds] = await Promise.all([embedder.embed(slice.map((pair) => pair.first)), embedder.embed(slice.map((pair) => pair.second))]);
    slice.forEach((_pair, index) => similarities.push(dotProduct(firsts[index]!, seconds[index]!)));
  }
  return { similarities, embeddingsPerSecond: (2 * pairs.length) / ((performance.now() - started) / 1000) };
}

console.log(`PAWS dev: ${pairs.length} pairs, ${paraphrases} paraphrases, ${others} non-paraphrases`);
let embeddingsPerSecond = 0;
for (const spec of flags.embedder ?? ['local', 'local:128']) {
  const embedder = embedderFor(spec);
  const measured = await similaritiesOf(embedder);
  const { similarities } = measured;
  if (spec === 'local') embeddingsPerSecond = measured.embeddingsPerSecond;
  console.log('');
  console.log(`embedder: ${embedder.name} (${Math.round(measured.embeddingsPerSecond)} embeddings/s)`);
  console.log('threshold  hit rate (paraphrases)  false-hit rate (non-paraphrases)');
  for (const threshold of THRESHOLDS) {
    let hits = 0;
    let falseHits = 0;
    similarities.forEach((similarity, index) => {
      if (similarity < threshold) return;
      if (pairs[index]!.paraphrase) hits += 1;
      else falseHits += 1;
    });
    console.log(`${String(threshold).padStart(9)}  ${percent(hits, paraphrases).padStart(22)}  ${percent(falseHits, others).padStart(32)}`);
  }
  const mean = (wanted: boolean) => {
    const values = similarities.filter((_similarity, index) => pairs[index]!.paraphrase === wanted);
    return (values.reduce((sum, value) => sum + value, 0) / values.length).toFixed(3);
  };
  console.log(`mean similarity: paraphrases ${mean(true)}, non-paraphrases ${mean(false)}`);
}
const embedder = createLocalEmbedder();

// Brute-force scan: every stored vector in one contiguous Float32Array, one dot product each.
const dimension = embedder.dimension;
if (dimension % 4 !== 0) throw new Error('the scan below reads four dimensions at a time');
const store = new Float32Array(STORED_VECTORS * dimension);
let seed = 42;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32 - 0.5;
};
for (let row = 0; row < STORED_VECTORS; row += 1) {
  let squares = 0;
  const offset = row * dimension;
  for (let column = 0; column < dimension; column += 1) {
    const value = random();
    store[offset + column] = value;
    squares += value * value;
  }
  const scale = 1 / Math.sqrt(squares);
  for (let column = 0; column < dimension; column += 1) store[offset + column]! *= scale;
}

function nearest(query: Float32Array): { row: number; similarity: number } {
  let best = { row: -1, similarity: -Infinity };
  for (let row = 0; row < STORED_VECTORS; row += 1) {
    const offset = row * dimension;
    // Four running sums: independent additions the CPU can overlap (about twice as fast as one sum).
    let sum0 = 0;
    let sum1 = 0;
    let sum2 = 0;
    let sum3 = 0;
    for (let column = 0; column < dimension; column += 4) {
      sum0 += query[column]! * store[offset + column]!;
      sum1 += query[column + 1]! * store[offset + column + 1]!;
      sum2 += query[column + 2]! * store[offset + column + 2]!;
      sum3 += query[column + 3]! * store[offset + column + 3]!;
    }
    const sum = sum0 + sum1 + sum2 + sum3;
    if (sum > best.similarity) best = { row, similarity: sum };
  }
  return best;
}

const queries = pairs.slice(0, SCAN_LOOKUPS).map((pair) => embedder.embed(pair.first));
nearest(queries[0]!);
const scanStarted = performance.now();
let checksum = 0;
for (const query of queries) checksum += nearest(query).row;
const scanSeconds = (performance.now() - scanStarted) / 1000;

console.log('');
if (embeddingsPerSecond > 0) console.log(`local embeddings per second: ${Math.round(embeddingsPerSecond)}`);
console.log(
  `brute-force lookups per second over ${STORED_VECTORS} stored ${dimension}-dimension vectors: ${(SCAN_LOOKUPS / scanSeconds).toFixed(1)} ` +
    `(${((1000 * scanSeconds) / SCAN_LOOKUPS).toFixed(1)} ms per lookup, ${SCAN_LOOKUPS} lookups; checksum ${checksum})`,
);
