export { canonicalJson, encodeScope, exactCacheKey, FIELDS_OUTSIDE_THE_KEY } from './domain/exact-key.ts';
export { DEFAULT_SEMANTIC_MAX_CHARACTERS, semanticLookup } from './domain/semantic-partition.ts';
export type { SemanticLookup, SemanticPartitionOptions, SemanticSkipReason } from './domain/semantic-partition.ts';
export { cosineSimilarity, createLocalEmbedder, DEFAULT_LOCAL_EMBEDDING_DIMENSION, dotProduct } from './domain/local-embedder.ts';
export type { LocalEmbedder, LocalEmbedderOptions } from './domain/local-embedder.ts';
export { createExactStore, DEFAULT_MAX_ENTRY_BYTES } from './domain/exact-store.ts';
export type { ExactStore, ExactStoreResult, PurgeSelector } from './domain/exact-store.ts';
export { cacheServiceInfo, serveCache } from './service.ts';
export { startCacheService } from './cache-service.ts';
