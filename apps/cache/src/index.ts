export { canonicalJson, encodeScope, exactCacheKey, FIELDS_OUTSIDE_THE_KEY } from './domain/exact-key.ts';
export { DEFAULT_SEMANTIC_MAX_CHARACTERS, semanticLookup } from './domain/semantic-partition.ts';
export type { SemanticLookup, SemanticPartitionOptions, SemanticSkipReason } from './domain/semantic-partition.ts';
export { cosineSimilarity, createLocalEmbedder, DEFAULT_LOCAL_EMBEDDING_DIMENSION, dotProduct } from './domain/local-embedder.ts';
export type { LocalEmbedder, LocalEmbedderOptions } from './domain/local-embedder.ts';
