import { Counter, Gauge, Histogram } from 'prom-client';
import { decodeVector, encodeScope } from '@gateway/cache-client';
import { cacheLookup, cachePurge, cacheStore, type CacheLookupRequest, type CacheLookupResponse } from '@gateway/contracts';
import type { Bus, ServiceHandle } from '@gateway/bus';
import type { Logger, Metrics } from '@gateway/telemetry';
import type { ExactStore, PurgeSelector } from './domain/exact-store.ts';
import type { SemanticIndex } from './domain/semantic-index.ts';
import { StoredEntries } from './domain/stored-entries.ts';

export const cacheServiceInfo = { name: 'cache', version: '1.0.0', description: 'Exact and semantic response cache' };

interface CacheMetrics {
  lookups: Counter<'mode' | 'result' | 'model'>;
  lookupSeconds: Histogram<'mode'>;
  stores: Counter<'model' | 'result'>;
}

function existingOr<T>(metrics: Metrics, name: string, make: () => T): T {
  return (metrics.registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * The cache's metrics. Labels come from closed sets, but for `model`: the configured model names (or
 * `<provider>/<model>`) the API sends, as on the API's own request metrics.
 */
function cacheMetrics(metrics: Metrics, stored: StoredEntries): CacheMetrics {
  const registers = [metrics.registry];
  existingOr(
    metrics,
    'gateway_cache_entries',
    () =>
      new Gauge({
        name: 'gateway_cache_entries',
        help: 'Entries this replica stored that have neither expired nor been purged, by model (sum over replicas for the total)',
        labelNames: ['model'],
        registers,
        collect() {
          this.reset();
          for (const [model, totals] of stored.totals()) this.set({ model }, totals.entries);
        },
      }),
  );
  existingOr(
    metrics,
    'gateway_cache_bytes',
    () =>
      new Gauge({
        name: 'gateway_cache_bytes',
        help: 'Bytes of the entries counted by gateway_cache_entries, by model',
        labelNames: ['model'],
        registers,
        collect() {
          this.reset();
          for (const [model, totals] of stored.totals()) this.set({ model }, totals.bytes);
        },
      }),
  );
  return {
    lookups: existingOr(
      metrics,
      'gateway_cache_lookups_total',
      () =>
        new Counter({
          name: 'gateway_cache_lookups_total',
          help: 'Cache lookups, by mode (exact, semantic), result (hit, semantic_hit, miss) and model',
          labelNames: ['mode', 'result', 'model'],
          registers,
        }),
    ),
    lookupSeconds: existingOr(
      metrics,
      'gateway_cache_lookup_seconds',
      () =>
        new Histogram({
          name: 'gateway_cache_lookup_seconds',
          help: 'Time the cache service spent answering a lookup, by mode',
          labelNames: ['mode'],
          buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
          registers,
        }),
    ),
    stores: existingOr(
      metrics,
      'gateway_cache_stores_total',
      () =>
        new Counter({
          name: 'gateway_cache_stores_total',
          help: 'Answers offered to the cache, by model and result (stored, too_large)',
          labelNames: ['model', 'result'],
          registers,
        }),
    ),
  };
}

/**
 * A semantic partition must belong to the lookup's scope: isolation between tenants does not depend on
 * the API computing the partition right (the API's partitions start with the encoded scope).
 */
function partitionInScope(scope: string, partition: string): boolean {
  return partition.startsWith(`${encodeScope(scope)}:`);
}

/**
 * Binds the cache's contract endpoints to the exact store and the semantic index. A semantic lookup
 * first tries the exact key (an identical prompt is the best semantic match), then the most similar
 * prompt of its partition at or above the threshold; the entry it points to is read through the exact
 * store, so a purge (which retires the exact entries) also retires semantic matches.
 */
export function serveCache(options: {
  bus: Bus;
  exactStore: ExactStore;
  semanticIndex: SemanticIndex;
  logger?: Logger;
  metrics?: Metrics;
}): Promise<ServiceHandle> {
  const { exactStore, semanticIndex, logger } = options;
  const stored = new StoredEntries();
  const observed = options.metrics ? cacheMetrics(options.metrics, stored) : undefined;

  async function semanticMatch(request: CacheLookupRequest): Promise<CacheLookupResponse> {
    const { semantic } = request;
    if (!semantic) return { status: 'miss' };
    if (!partitionInScope(request.scope, semantic.partition)) {
      logger?.warn({ request_id: request.requestId }, 'semantic lookup refused: its partition is not in its scope');
      return { status: 'miss' };
    }
    const match = await semanticIndex.search(semantic.partition, decodeVector(semantic.vector), semantic.threshold);
    if (!match) return { status: 'miss' };
    const entry = await exactStore.lookup(request.scope, request.model, match.id);
    if (!entry) {
      // Purged or expired since it was indexed: the member goes too.
      await semanticIndex.remove(semantic.partition, match.id);
      return { status: 'miss' };
    }
    return { status: 'semantic_hit', similarity: match.similarity, entry };
  }

  return options.bus.serve({
    ...cacheServiceInfo,
    endpoints: [
      {
        endpoint: cacheLookup,
        handler: async (request): Promise<CacheLookupResponse> => {
          const started = performance.now();
          const entry = await exactStore.lookup(request.scope, request.model, request.key);
          const answer: CacheLookupResponse = entry ? { status: 'hit', entry } : request.mode === 'semantic' ? await semanticMatch(request) : { status: 'miss' };
          observed?.lookups.inc({ mode: request.mode, result: answer.status, model: request.model });
          observed?.lookupSeconds.observe({ mode: request.mode }, (performance.now() - started) / 1000);
          return answer;
        },
      },
      {
        endpoint: cacheStore,
        handler: async (request) => {
          const result = await exactStore.store(request.scope, request.model, request.key, request.entry, request.ttlSeconds);
          observed?.stores.inc({ model: request.model, result: result.stored ? 'stored' : result.reason });
          if (!result.stored) {
            logger?.debug({ request_id: request.requestId, model: request.model, reason: result.reason }, 'cache entry not stored');
            return result;
          }
          stored.add(request.scope, request.model, result.bytes, request.ttlSeconds * 1000);
          const { semantic } = request;
          if (semantic) {
            if (partitionInScope(request.scope, semantic.partition)) {
              await semanticIndex.add(semantic.partition, request.key, decodeVector(semantic.vector), request.ttlSeconds * 1000);
            } else {
              logger?.warn({ request_id: request.requestId }, 'semantic entry not indexed: its partition is not in its scope');
            }
          }
          return { stored: true };
        },
      },
      {
        endpoint: cachePurge,
        handler: async (request) => {
          const selector: PurgeSelector = request.all ? { all: true } : request.scope !== undefined ? { scope: request.scope } : { model: request.model ?? '' };
          const removed = await exactStore.purge(selector);
          stored.purge(selector);
          logger?.info({ selector }, 'cache purged');
          return { removed };
        },
      },
    ],
  });
}
