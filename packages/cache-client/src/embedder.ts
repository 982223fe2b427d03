/**
 * What the semantic cache needs from an embedding model, whichever it is: the built-in local embedder
 * today, a configured provider embeddings model later. Batch-shaped because provider APIs are, and
 * async with an abort signal because a provider call is a network call.
 */
import { createLocalEmbedder, type LocalEmbedderOptions } from './local-embedder.ts';

export interface Embedder {
  /** Goes into what partitions the index, so vectors of two embedders are never compared. */
  readonly name: string;
  readonly dimensions: number;
  /** One vector per text, in order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** The local embedder (no network, synchronous) behind the `Embedder` interface. */
export function createLocalEmbedderAdapter(options: LocalEmbedderOptions = {}): Embedder {
  const local = createLocalEmbedder(options);
  return {
    name: `local-${local.dimension}`,
    dimensions: local.dimension,
    async embed(texts, signal) {
      signal?.throwIfAborted();
      return texts.map((text) => local.embed(text));
    },
  };
}

/** A vector as it travels in cache messages: base64 of its Float32 bytes (a quarter of JSON's size). */
export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function decodeVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  // A copy: the Buffer may sit in a shared pool at an offset not aligned to 4 bytes.
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}
