/**
 * A built-in embedder that needs no network and no model: feature hashing of word unigrams, word
 * bigrams and character trigrams, sublinear TF weights, L2-normalised. It sees which words and word
 * fragments two texts share, not what they mean: rewordings that keep most words score high, synonyms
 * with no shared words score low, and swapping words around that changes the meaning barely moves it
 * (see docs/caching.md for the measured figures).
 */

export const DEFAULT_LOCAL_EMBEDDING_DIMENSION = 512;

export interface LocalEmbedderOptions {
  /** Length of the vectors; a power of two is not required. More dimensions, fewer hash collisions. */
  dimension?: number;
}

export interface LocalEmbedder {
  readonly name: 'local';
  readonly dimension: number;
  embed(text: string): Float32Array;
}

// Relative weights of the feature families: whole words and word pairs carry the meaning; character
// trigrams only tolerate inflections and typos, and are many, so they weigh less.
const UNIGRAM_WEIGHT = 1;
const BIGRAM_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;

/** FNV-1a, 32 bits, over UTF-16 code units: fast, deterministic, good enough spread for hashing tricks. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Lower-cased, NFKC-normalised runs of letters and digits; apostrophes inside a word are dropped. */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/['’]/g, '').match(/[\p{L}\p{N}]+/gu) ?? [];
}

function addFeature(counts: Map<string, number>, feature: string): void {
  counts.set(feature, (counts.get(feature) ?? 0) + 1);
}

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): LocalEmbedder {
  const dimension = options.dimension ?? DEFAULT_LOCAL_EMBEDDING_DIMENSION;
  if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`embedding dimension must be a positive integer, got ${dimension}`);

  function embed(text: string): Float32Array {
    const tokens = words(text);
    // A one-letter prefix per family keeps the word "the" apart from the trigram "the".
    const counts = new Map<string, number>();
    for (let index = 0; index < tokens.length; index += 1) {
      const token = tokens[index]!;
      addFeature(counts, `u${token}`);
      const next = tokens[index + 1];
      if (next !== undefined) addFeature(counts, `b${token} ${next}`);
      const padded = ` ${token} `;
      for (let start = 0; start + 3 <= padded.length; start += 1) addFeature(counts, `t${padded.slice(start, start + 3)}`);
    }

    const vector = new Float32Array(dimension);
    for (const [feature, count] of counts) {
      const family = feature.charCodeAt(0);
      const familyWeight = family === 117 /* u */ ? UNIGRAM_WEIGHT : family === 98 /* b */ ? BIGRAM_WEIGHT : TRIGRAM_WEIGHT;
      const hash = fnv1a(feature);
      // The sign from a hash bit makes collisions cancel on average instead of adding up.
      const sign = hash & 0x80000000 ? -1 : 1;
      vector[hash % dimension]! += sign * familyWeight * (1 + Math.log(count));
    }
    return normalise(vector);
  }

  return { name: 'local', dimension, embed };
}

/** Scales a vector to length 1 in place; the zero vector (an empty text) stays zero. */
export function normalise(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const value of vector) squares += value * value;
  if (squares === 0) return vector;
  const scale = 1 / Math.sqrt(squares);
  for (let index = 0; index < vector.length; index += 1) vector[index]! *= scale;
  return vector;
}

/** Dot product; for L2-normalised vectors (what the local embedder returns) it is the cosine similarity. */
export function dotProduct(left: Float32Array, right: Float32Array): number {
  if (left.length !== right.length) throw new Error(`vectors differ in length: ${left.length} and ${right.length}`);
  let sum = 0;
  for (let index = 0; index < left.length; index += 1) sum += left[index]! * right[index]!;
  return sum;
}

/** Cosine similarity of any two vectors of one length; 0 when either is the zero vector. */
export function cosineSimilarity(left: Float32Array, right: Float32Array): number {
  const leftLength = Math.sqrt(dotProduct(left, left));
  const rightLength = Math.sqrt(dotProduct(right, right));
  if (leftLength === 0 || rightLength === 0) return 0;
  return dotProduct(left, right) / (leftLength * rightLength);
}
