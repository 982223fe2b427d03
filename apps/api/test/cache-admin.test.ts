import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Bus, ServiceHandle } from '@gateway/bus';
import { cachePurge, type CachePurgeRequest, type ConfigChanged } from '@gateway/contracts';
import { findKeyByPlaintext, getModel, insertUsageRecords, putCacheSettings, type Database } from '@gateway/db';
import { uniqueName } from '@gateway/testkit';
import type { Api } from '../src/index.ts';
import { loadProviderCatalog } from '../src/config-cache/provider-catalog.ts';
import { adminTestSecretBox as secretBox, startAdminApi, testModel as model, type AdminApi, type Mode } from './support/admin-api.ts';

describe.each<Mode>(['embedded', 'servers'])('cache configuration and admin API (%s)', (mode) => {
  let harness: AdminApi;
  let database: Database;
  let bus: Bus;
  let api: Api;
  let events: ConfigChanged[];
  let cacheService: ServiceHandle | undefined;
  const purges: CachePurgeRequest[] = [];
  const admin: AdminApi['admin'] = (...call) => harness.admin(...call);

  /** A stand-in cache service on the bus that records what it was asked to purge. */
  const startCacheService = async () => {
    cacheService = await bus.serve({
      name: 'cache',
      version: '1.0.0',
      endpoints: [
        {
          endpoint: cachePurge,
          handler: (request: CachePurgeRequest) => {
            purges.push(request);
            return { removed: 1 };
          },
        },
      ],
    });
  };

  beforeAll(async () => {
    harness = await startAdminApi(mode, 'cache_admin');
    ({ database, bus, api, events } = harness);
  });
  afterEach(async () => {
    await cacheService?.stop();
    cacheService = undefined;
    purges.length = 0;
    await harness.reset(['gateway_keys', 'models', 'gateway_settings']);
  });
  afterAll(async () => {
    await harness?.close();
  });

  describe('keys', () => {
    it('take cache settings with a scope, keep them on PATCH unless given, and clear them with null', async () => {
      const created = await admin('POST', '/keys', { name: 'search team', cache: { scope: 'search', mode: 'exact', ttl: 120 } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ cache: { scope: 'search', mode: 'exact', ttl: 120 } });
      const id = created.json().id as string;
      // What the key cache holds for the request path carries them too.
      expect((await findKeyByPlaintext(database.db, created.json().key))?.cache).toEqual({ scope: 'search', mode: 'exact', ttl: 120 });

      expect((await admin('PATCH', `/keys/${id}`, { name: 'renamed' })).json()).toMatchObject({ name: 'renamed', cache: { scope: 'search' } });
      expect((await admin('PATCH', `/keys/${id}`, { cache: { mode: 'off' } })).json().cache).toEqual({ mode: 'off' });
      expect((await admin('PATCH', `/keys/${id}`, { cache: null })).json().cache).toBeNull();
      expect((await admin('GET', `/keys/${id}`)).json().cache).toBeNull();
      expect((await admin('POST', '/keys', { name: 'plain' })).json().cache).toBeNull();
    });

    it('refuse a bad scope, an unknown field and an embedder that is no model', async () => {
      const badScope = await admin('POST', '/keys', { name: 'k', cache: { scope: 'team a' } });
      expect(badScope.statusCode).toBe(400);
      expect(badScope.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('scope') });
      expect((await admin('POST', '/keys', { name: 'k', cache: { mode: 'exact', tll: 5 } })).statusCode).toBe(400);

      const badEmbedder = await admin('POST', '/keys', { name: 'k', cache: { semantic: { embedder: 'nobody' } } });
      expect(badEmbedder.statusCode).toBe(400);
      expect(badEmbedder.json().error).toMatchObject({ param: 'cache.semantic.embedder', message: expect.stringContaining('"nobody" is neither "local"') });
      await admin('POST', '/models', model('embed'));
      expect((await admin('POST', '/keys', { name: 'k', cache: { semantic: { embedder: 'embed' } } })).statusCode).toBe(201);
    });
  });

  describe('models', () => {
    it('take cache settings on create and replace, stored beside (not in) the routing settings', async () => {
      const created = await admin('POST', '/models', model('fast', { cache: { mode: 'semantic', ttl: 600 }, timeout_ms: 30_000 }));
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ name: 'fast', cache: { mode: 'semantic', ttl: 600 }, timeout_ms: 30_000 });
      const stored = await getModel(database.db, 'fast');
      expect(stored).toMatchObject({ cache: { mode: 'semantic', ttl: 600 }, routing: { timeout_ms: 30_000 } });
      expect(stored?.routing).not.toHaveProperty('cache');

      const replaced = await admin('PUT', '/models/fast', { targets: [{ provider: 'openai', model: 'gpt-4o' }], cache: { mode: 'exact' } });
      expect(replaced.json().cache).toEqual({ mode: 'exact' });
      expect((await admin('PUT', '/models/fast', { targets: [{ provider: 'openai', model: 'gpt-4o' }] })).json().cache).toBeNull();
    });

    it('refuse an unknown embedder, and accept the model itself or another one', async () => {
      const refused = await admin('POST', '/models', model('fast', { cache: { semantic: { embedder: 'embed' } } }));
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.param).toBe('cache.semantic.embedder');
      expect((await admin('POST', '/models', model('embed', { cache: { semantic: { embedder: 'embed' } } }))).statusCode).toBe(201);
      expect((await admin('POST', '/models', model('fast', { cache: { semantic: { embedder: 'embed' } } }))).statusCode).toBe(201);
      expect((await admin('POST', '/models', model('bad', { cache: { ttl: -1 } }))).statusCode).toBe(400);
    });
  });

  describe('GET/PUT /settings/cache', () => {
    it('shows the built-in defaults until set, then what was set, and announces the change', async () => {
      expect((await admin('GET', '/settings/cache')).json()).toEqual({
        settings: null,
        source: null,
        updated_at: null,
        // The local embedder's own default threshold (a near-duplicate matcher).
        effective: { mode: 'off', ttl: 3600, semantic: { threshold: 0.99, embedder: 'local' } },
      });
      const put = await admin('PUT', '/settings/cache', { mode: 'exact', semantic: { threshold: 0.9 } });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({
        settings: { mode: 'exact', semantic: { threshold: 0.9 } },
        source: 'api',
        updated_at: expect.any(String),
        effective: { mode: 'exact', ttl: 3600, semantic: { threshold: 0.9, embedder: 'local' } },
      });
      expect((await admin('GET', '/settings/cache')).json()).toEqual(put.json());
      await expect.poll(() => events).toContainEqual({ entity: 'settings', id: 'cache', action: 'updated' });
    });

    it('refuses bad settings and a scope (a key setting)', async () => {
      for (const body of [{ mode: 'sometimes' }, { ttl: 0 }, { semantic: { threshold: 2 } }, { scope: 'team' }]) {
        const response = await admin('PUT', '/settings/cache', body);
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe('invalid_request');
      }
      const embedder = await admin('PUT', '/settings/cache', { semantic: { embedder: 'nobody' } });
      expect(embedder.statusCode).toBe(400);
      expect(embedder.json().error.param).toBe('semantic.embedder');
    });

    it('refuses to change defaults that gateway.yaml sets (409), leaving them as they were', async () => {
      await putCacheSettings(database.db, { mode: 'semantic' }, 'file');
      const refused = await admin('PUT', '/settings/cache', { mode: 'off' });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({ code: 'conflict', message: expect.stringContaining('gateway.yaml') });
      expect((await admin('GET', '/settings/cache')).json()).toMatchObject({ settings: { mode: 'semantic' }, source: 'file' });
    });
  });

  describe('POST /cache/purge', () => {
    it('purges a key’s own scope, a key’s shared scope, a named scope, a model and everything', async () => {
      await startCacheService();
      const own = (await admin('POST', '/keys', { name: 'own' })).json().id as string;
      const shared = (await admin('POST', '/keys', { name: 'shared', cache: { scope: 'search' } })).json().id as string;
      const bodies = [{ key_id: own }, { key_id: shared }, { scope: 'search' }, { model: 'fast' }, { all: true }];
      for (const body of bodies) {
        const response = await admin('POST', '/cache/purge', body);
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ purged: body, generations: 1 });
      }
      expect(purges).toEqual([{ scope: `key:${own}` }, { scope: 'team:search' }, { scope: 'team:search' }, { model: 'fast' }, { all: true }]);
    });

    it('takes exactly one selector and a known key', async () => {
      await startCacheService();
      for (const body of [{}, { model: 'fast', all: true }, { all: false }, { scope: 'a b' }, { everything: true }]) {
        const response = await admin('POST', '/cache/purge', body);
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe('invalid_request');
      }
      const unknown = await admin('POST', '/cache/purge', { key_id: 'key_missing' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.param).toBe('key_id');
      expect(purges).toEqual([]);
    });

    it('answers 503 in the admin error shape when no cache service answers', async () => {
      const response = await admin('POST', '/cache/purge', { all: true });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        error: expect.objectContaining({ code: 'dependency_unavailable', message: expect.stringContaining('No cache service answered'), source: 'bus' }),
      });
    });
  });

  it('documents the cache routes and fields in the OpenAPI document', async () => {
    const document = (await api.app.inject({ method: 'GET', url: '/admin/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>>;
    };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/admin/v1/settings/cache', '/admin/v1/cache/purge']));
    expect(Object.keys(document.paths['/admin/v1/settings/cache']!)).toEqual(expect.arrayContaining(['get', 'put']));
    expect(document.paths['/admin/v1/cache/purge']!.post!.requestBody!.content['application/json']!.schema.properties).toHaveProperty('key_id');
    expect(document.paths['/admin/v1/keys']!.post!.requestBody!.content['application/json']!.schema.properties).toHaveProperty('cache');
    expect(document.paths['/admin/v1/models']!.post!.requestBody!.content['application/json']!.schema.properties).toHaveProperty('cache');
  });

  it('shows what the cache did and what a hit saved on usage records', async () => {
    const base = {
      clientRequestId: null,
      keyId: 'key_usage',
      model: 'fast',
      provider: 'openai',
      providerModel: 'gpt-4o-mini',
      endpoint: 'chat' as const,
      stream: false,
      inputTokens: 10,
      outputTokens: 20,
      latencyMs: 2,
      overheadMs: 1,
      status: 200,
      errorCode: null,
      attempts: 0,
    };
    await insertUsageRecords(database.db, [
      { ...base, requestId: uniqueName('hit'), createdAt: '2030-01-01T00:00:01.000Z', costUsd: 0, cacheStatus: 'hit', costSavedUsd: 0.003 },
      { ...base, requestId: uniqueName('off'), createdAt: '2030-01-01T00:00:00.000Z', costUsd: 0.003 },
    ]);
    const usage = await admin('GET', '/usage?key_id=key_usage');
    expect(usage.statusCode).toBe(200);
    expect(usage.json().data.map((record: { cache_status: string | null; cost_saved_usd: number | null }) => [record.cache_status, record.cost_saved_usd])).toEqual([
      ['hit', 0.003],
      [null, null],
    ]);
    await sql`truncate usage_records`.execute(database.db);
  });

  it('loads the cache defaults and each model’s settings into the provider catalog', async () => {
    await admin('POST', '/models', model('fast', { cache: { mode: 'semantic', ttl: 600 } }));
    await admin('POST', '/models', model('plain'));
    await admin('PUT', '/settings/cache', { mode: 'exact' });
    const catalog = await loadProviderCatalog(database, secretBox, {});
    expect(catalog.cacheDefaults).toEqual({ mode: 'exact' });
    expect([...catalog.modelCache]).toEqual([['fast', { mode: 'semantic', ttl: 600 }]]);
    await sql`truncate gateway_settings`.execute(database.db);
    expect((await loadProviderCatalog(database, secretBox, {})).cacheDefaults).toBeNull();
  });
});
