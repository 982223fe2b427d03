import type { Bus } from '@gateway/bus';
import type { KeyValueStore } from '@gateway/kv';
import type { Logger, Metrics } from '@gateway/telemetry';
import { createExactStore } from './domain/exact-store.ts';
import { serveCache } from './service.ts';

/** Starts the cache service on the bus over a key-value store (Redis, or the in-memory store embedded). */
export async function startCacheService(options: { bus: Bus; store: KeyValueStore; logger: Logger; metrics?: Metrics; maxEntryBytes?: number }) {
  const exactStore = createExactStore(options.store, options.maxEntryBytes === undefined ? {} : { maxEntryBytes: options.maxEntryBytes });
  const service = await serveCache({ bus: options.bus, exactStore, logger: options.logger, ...(options.metrics ? { metrics: options.metrics } : {}) });
  return {
    async stop() {
      await service.stop();
    },
  };
}
