import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { GatewayError, cachePurge, configChanged, type CachePurgeRequest } from '@gateway/contracts';
import { cacheScopeOf, cacheSettingsSchema, resolveCacheSettings, teamCacheScope } from '@gateway/config';
import { getCacheSettings, getKey, putCacheSettings, type CacheSettingsRecord } from '@gateway/db';
import type { AdminContext } from './admin-context.ts';
import { checkCacheEmbedder } from './cache-settings-checks.ts';
import { cachePurgeBodySchema, cachePurgeResponseSchema, cacheSettingsResponseSchema, errorResponseSchema, errorResponses } from './schemas.ts';

function settingsResponse(record: CacheSettingsRecord | undefined): z.infer<typeof cacheSettingsResponseSchema> {
  const effective = resolveCacheSettings(record?.value, null, null);
  return {
    settings: record?.value ?? null,
    source: record?.source ?? null,
    updated_at: record?.updatedAt.toISOString() ?? null,
    effective: { mode: effective.mode, ttl: effective.ttlSeconds, semantic: { threshold: effective.threshold, embedder: effective.embedder } },
  };
}

/** A purge waits this long for the cache service: it is one counter increment there. */
const purgeTimeoutMs = 5000;

/** The gateway's cache defaults, and purging cached answers (through the cache service on the bus). */
export async function cacheRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const db = context.database.db;

  typed.get(
    '/settings/cache',
    {
      schema: {
        tags: ['cache'],
        summary: 'The gateway’s cache defaults (for every model and key without settings of their own)',
        response: { 200: cacheSettingsResponseSchema, ...errorResponses },
      },
    },
    async () => settingsResponse(await getCacheSettings(db)),
  );

  typed.put(
    '/settings/cache',
    {
      schema: {
        tags: ['cache'],
        summary: 'Replace the gateway’s cache defaults (refused when gateway.yaml sets them)',
        body: cacheSettingsSchema,
        response: { 200: cacheSettingsResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      await checkCacheEmbedder(db, request.body, '');
      const record = await putCacheSettings(db, request.body, 'api');
      context.bus.publish(configChanged, { entity: 'settings', id: 'cache', action: 'updated' });
      request.log.info({ settings: record.value }, 'cache defaults changed');
      return settingsResponse(record);
    },
  );

  typed.post(
    '/cache/purge',
    {
      schema: {
        tags: ['cache'],
        summary: 'Purge cached answers of one key (its scope), one shared scope, one model, or everything',
        body: cachePurgeBodySchema,
        response: { 200: cachePurgeResponseSchema, ...errorResponses, 503: errorResponseSchema },
      },
    },
    async (request) => {
      const body = request.body;
      let selector: CachePurgeRequest;
      if (body.key_id !== undefined) {
        const key = await getKey(db, body.key_id);
        if (!key) throw new GatewayError('not_found', `No key with id "${body.key_id}"`, { param: 'key_id' });
        selector = { scope: cacheScopeOf(key) };
      } else if (body.scope !== undefined) {
        selector = { scope: teamCacheScope(body.scope) };
      } else if (body.model !== undefined) {
        selector = { model: body.model };
      } else {
        selector = { all: true };
      }
      let generations: number;
      try {
        ({ removed: generations } = await context.bus.request(cachePurge, selector, { timeoutMs: purgeTimeoutMs, context: { requestId: request.id } }));
      } catch (error) {
        if (error instanceof GatewayError && error.code === 'dependency_unavailable') {
          throw new GatewayError('dependency_unavailable', 'No cache service answered: nothing was purged; try again once the cache service runs', {
            source: 'bus',
            cause: error,
          });
        }
        throw error;
      }
      request.log.info({ selector, generations }, 'cache purged');
      return { purged: body, generations };
    },
  );
}
