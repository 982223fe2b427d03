export { createExactStore, DEFAULT_MAX_ENTRY_BYTES } from './domain/exact-store.ts';
export type { ExactStore, ExactStoreResult, PurgeSelector } from './domain/exact-store.ts';
export { cacheServiceInfo, serveCache } from './service.ts';
export { startCacheService } from './cache-service.ts';
