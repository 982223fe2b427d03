import type { Bus } from '@gateway/bus';
import type { KeyValueStore } from '@gateway/kv';
import type { Logger, Metrics } from '@gateway/telemetry';
import { createExactStore } from './domain/exact-store.ts';
import { createSemanticIndex, type SemanticIndexOptions } from './domain/semantic-index.ts';
import { serveCache } from './service.ts';

export interface CacheServiceOptions {
  bus: Bus;
  /** Redis (shared by every replica), or the in-memory store embedded. */
  store: KeyValueStore;
  logger: Logger;
  metrics?: Metrics;
  /** Entries larger than this (bytes of their JSON) are not stored; default 1 MiB. */
  maxEntryBytes?: number;
  semantic?: SemanticIndexOptions;
}

/** Starts the cache service on the bus over a key-value store (Redis, or the in-memory store embedded). */
export async function startCacheService(options: CacheServiceOptions) {
  const exactStore = createExactStore(options.store, options.maxEntryBytes === undefined ? {} : { maxEntryBytes: options.maxEntryBytes });
  const semanticIndex = createSemanticIndex(options.store, options.semantic ?? {});
  const service = await serveCache({
    bus: options.bus,
    exactStore,
    semanticIndex,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return {
    async stop() {
      await service.stop();
    },
  };
}
