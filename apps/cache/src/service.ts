import { Counter } from 'prom-client';
import { cacheLookup, cachePurge, cacheStore, type CacheLookupResponse } from '@gateway/contracts';
import type { Bus, ServiceHandle } from '@gateway/bus';
import type { Logger, Metrics } from '@gateway/telemetry';
import type { ExactStore, PurgeSelector } from './domain/exact-store.ts';

export const cacheServiceInfo = { name: 'cache', version: '1.0.0', description: 'Exact and semantic response cache' };

const lookupsMetric = 'gateway_cache_lookups_total';

/** `gateway_cache_lookups_total{mode, result}`: both labels from closed sets (exact|semantic, hit|semantic_hit|miss). */
function lookupsCounter(metrics: Metrics): Counter<'mode' | 'result'> {
  const existing = metrics.registry.getSingleMetric(lookupsMetric);
  if (existing) return existing as Counter<'mode' | 'result'>;
  return new Counter({
    name: lookupsMetric,
    help: 'Cache lookups, by mode (exact, semantic) and result (hit, semantic_hit, miss)',
    labelNames: ['mode', 'result'],
    registers: [metrics.registry],
  });
}

/**
 * Binds the cache's contract endpoints to the exact store. A semantic lookup first tries the exact key
 * (an identical prompt is the best semantic match); the semantic index is not wired in yet, so past
 * that it answers `miss`.
 */
export function serveCache(options: { bus: Bus; exactStore: ExactStore; logger?: Logger; metrics?: Metrics }): Promise<ServiceHandle> {
  const lookups = options.metrics ? lookupsCounter(options.metrics) : undefined;
  const { exactStore, logger } = options;

  return options.bus.serve({
    ...cacheServiceInfo,
    endpoints: [
      {
        endpoint: cacheLookup,
        handler: async (request): Promise<CacheLookupResponse> => {
          const entry = await exactStore.lookup(request.scope, request.model, request.key);
          const answer: CacheLookupResponse = entry ? { status: 'hit', entry } : { status: 'miss' };
          if (!entry && request.mode === 'semantic') {
            logger?.debug({ request_id: request.requestId, model: request.model }, 'semantic lookup answered miss: the semantic index is not available');
          }
          lookups?.inc({ mode: request.mode, result: answer.status });
          return answer;
        },
      },
      {
        endpoint: cacheStore,
        handler: async (request) => {
          const result = await exactStore.store(request.scope, request.model, request.key, request.entry, request.ttlSeconds);
          if (!result.stored) logger?.debug({ request_id: request.requestId, model: request.model, reason: result.reason }, 'cache entry not stored');
          return result;
        },
      },
      {
        endpoint: cachePurge,
        handler: async (request) => {
          const selector: PurgeSelector = request.all ? { all: true } : request.scope !== undefined ? { scope: request.scope } : { model: request.model ?? '' };
          const removed = await exactStore.purge(selector);
          logger?.info({ selector }, 'cache purged');
          return { removed };
        },
      },
    ],
  });
}
