export { canonicalJson, encodeScope, exactCacheKey, FIELDS_OUTSIDE_THE_KEY, sha256Hex } from './exact-key.ts';
export type { CacheableRequest, CacheSurface } from './exact-key.ts';
export { DEFAULT_SEMANTIC_MAX_CHARACTERS, semanticLookup } from './semantic-partition.ts';
export type { SemanticLookup, SemanticPartitionOptions, SemanticSkipReason } from './semantic-partition.ts';
export { cosineSimilarity, createLocalEmbedder, DEFAULT_LOCAL_EMBEDDING_DIMENSION, dotProduct } from './local-embedder.ts';
export type { LocalEmbedder, LocalEmbedderOptions } from './local-embedder.ts';
export { createLocalEmbedderAdapter, decodeVector, encodeVector } from './embedder.ts';
export type { Embedder } from './embedder.ts';
export { DEFAULT_MAX_ENTRY_BYTES } from './entry-limits.ts';
