import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import {
  createKey,
  createSecretBox,
  deleteModel,
  deleteProvider,
  getModel,
  getProviderByName,
  getProviderWithSecrets,
  listModels,
  listProviders,
  listProvidersWithSecrets,
  modelUsers,
  putCacheSettings,
  reconcileFileConfig,
  revokeKey,
  updateKey,
  upsertModel,
  upsertProvider,
  type FileConfig,
} from '../src/index.ts';
import { backends, useMigratedDatabase } from './harness.ts';

const box = createSecretBox(randomBytes(32).toString('base64'));

describe.each(backends)('providers and models on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  describe('providers', () => {
    it('encrypts the API key and headers, and lists without them', async () => {
      const db = test.database.db;
      const record = await upsertProvider(db, box, {
        name: 'azure-east',
        type: 'azure-openai',
        baseUrl: 'https://example.test/openai',
        apiKey: 'sk-very-secret',
        apiVersion: '2024-10-21',
        headers: { 'x-tenant-token': 'header-secret' },
        timeoutMs: 30_000,
      });
      expect(record).toMatchObject({
        name: 'azure-east',
        type: 'azure-openai',
        baseUrl: 'https://example.test/openai',
        apiVersion: '2024-10-21',
        timeoutMs: 30_000,
        hasApiKey: true,
        headerNames: ['x-tenant-token'],
        source: 'api',
      });
      expect(record.id).toMatch(/^prov_/);

      const row = await db.selectFrom('providers').selectAll().executeTakeFirstOrThrow();
      const stored = JSON.stringify(row);
      expect(stored).not.toContain('sk-very-secret');
      expect(stored).not.toContain('header-secret');
      expect(row.api_key_ciphertext).toMatch(/^v1:/);

      const listed = await listProviders(db);
      expect(listed).toEqual([record]);
      expect(JSON.stringify(listed)).not.toMatch(/sk-very-secret|header-secret|v1:/);
      expect(await getProviderByName(db, 'azure-east')).toEqual(record);

      const [withSecrets] = await listProvidersWithSecrets(db, box);
      expect(withSecrets).toMatchObject({ apiKey: 'sk-very-secret', headers: { 'x-tenant-token': 'header-secret' } });
      expect(await getProviderWithSecrets(db, box, 'azure-east')).toEqual(withSecrets);
      expect(await getProviderWithSecrets(db, box, 'missing')).toBeUndefined();
    });

    it('keeps stored secrets when an update leaves them out, clears them with null', async () => {
      const db = test.database.db;
      const created = await upsertProvider(db, box, { name: 'p', type: 'openai', apiKey: 'sk-1', headers: { h: 'v' } });
      const updated = await upsertProvider(db, box, { name: 'p', type: 'openai', baseUrl: 'https://proxy.test/v1', timeoutMs: 5000 });
      expect(updated).toMatchObject({ id: created.id, baseUrl: 'https://proxy.test/v1', timeoutMs: 5000, hasApiKey: true, headerNames: ['h'] });
      expect(await getProviderWithSecrets(db, box, 'p')).toMatchObject({ apiKey: 'sk-1', headers: { h: 'v' } });

      const cleared = await upsertProvider(db, box, { name: 'p', type: 'openai', apiKey: null, headers: null });
      expect(cleared).toMatchObject({ hasApiKey: false, headerNames: [], baseUrl: null, timeoutMs: null });
      expect(await getProviderWithSecrets(db, box, 'p')).toMatchObject({ apiKey: null, headers: {} });
    });

    it('stores a bedrock region in the clear and AWS credentials encrypted, write-only like the API key', async () => {
      const db = test.database.db;
      const aws = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'aws-secret-value-123', sessionToken: 'aws-session-token-456' };
      const created = await upsertProvider(db, box, { name: 'aws', type: 'bedrock', region: 'eu-west-1', aws });
      expect(created).toMatchObject({ region: 'eu-west-1', hasAwsCredentials: true, hasApiKey: false });
      const row = await db.selectFrom('providers').selectAll().where('name', '=', 'aws').executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toMatch(/aws-secret-value|aws-session-token|AKIAIOSFODNN7EXAMPLE/);
      expect(JSON.stringify(await listProviders(db))).not.toMatch(/aws-secret-value|aws-session-token/);
      expect((await getProviderWithSecrets(db, box, 'aws'))?.aws).toEqual(aws);

      // Left out on an update: kept. Null: cleared.
      await upsertProvider(db, box, { name: 'aws', type: 'bedrock', region: 'us-east-1' });
      expect(await getProviderWithSecrets(db, box, 'aws')).toMatchObject({ region: 'us-east-1', aws });
      const cleared = await upsertProvider(db, box, { name: 'aws', type: 'bedrock', region: 'us-east-1', aws: null });
      expect(cleared.hasAwsCredentials).toBe(false);
      expect((await getProviderWithSecrets(db, box, 'aws'))?.aws).toBeNull();
    });

    it('deletes API providers and reports unknown ones', async () => {
      const db = test.database.db;
      await upsertProvider(db, box, { name: 'gone', type: 'openai' });
      expect(await deleteProvider(db, 'gone')).toBe(true);
      expect(await deleteProvider(db, 'gone')).toBe(false);
      expect(await listProviders(db)).toEqual([]);
    });

    it('cannot be decrypted with another key', async () => {
      const db = test.database.db;
      await upsertProvider(db, box, { name: 'p', type: 'openai', apiKey: 'sk-1' });
      const otherBox = createSecretBox(randomBytes(32).toString('hex'));
      await expect(listProvidersWithSecrets(db, otherBox)).rejects.toThrow(/wrong encryption key/);
    });
  });

  describe('models', () => {
    it('stores targets and price, and lists them by name', async () => {
      const db = test.database.db;
      const record = await upsertModel(db, {
        name: 'smart',
        strategy: 'fallback',
        targets: [
          { provider: 'openai', model: 'gpt-4o', weight: 2 },
          { provider: 'azure', model: 'gpt-4o-deployment' },
        ],
        price: { inputPerMillion: 2.5, outputPerMillion: 10 },
      });
      expect(record).toMatchObject({
        name: 'smart',
        strategy: 'fallback',
        targets: [
          { provider: 'openai', model: 'gpt-4o', weight: 2 },
          { provider: 'azure', model: 'gpt-4o-deployment' },
        ],
        price: { inputPerMillion: 2.5, outputPerMillion: 10 },
        source: 'api',
      });
      const row = await db.selectFrom('models').select('price').executeTakeFirstOrThrow();
      expect(row.price).toEqual({ input_per_million: 2.5, output_per_million: 10 });

      await upsertModel(db, { name: 'cheap', strategy: 'single', targets: [{ provider: 'groq', model: 'llama' }] });
      expect((await listModels(db)).map((model) => [model.name, model.price])).toEqual([
        ['cheap', null],
        ['smart', { inputPerMillion: 2.5, outputPerMillion: 10 }],
      ]);

      const replaced = await upsertModel(db, { name: 'smart', strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] });
      expect(replaced).toMatchObject({ id: record.id, strategy: 'single', price: null, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] });
      expect(await getModel(db, 'smart')).toEqual(replaced);
      expect(await getModel(db, 'missing')).toBeUndefined();

      expect(await deleteModel(db, 'smart')).toBe(true);
      expect(await deleteModel(db, 'smart')).toBe(false);
    });
    it('round-trips nested targets and routing settings as given (snake_case)', async () => {
      const db = test.database.db;
      const targets = [
        {
          name: 'premium',
          provider: 'openai',
          model: 'gpt-4o',
          weight: 2,
          price: { input_per_mtok: 2.5, output_per_mtok: 10 },
          rpm: 500,
          timeout_ms: 60000,
          retry: { attempts: 1 },
        },
        { name: 'cheap', strategy: 'loadbalance', weight: 1, targets: [{ provider: 'groq', model: 'llama', weight: 1 }, { provider: 'together', model: 'llama', weight: 3 }] },
      ];
      const routing = {
        retry: { attempts: 2, on_status_codes: [429, 503] },
        timeout_ms: 120000,
        hedge: { after_ms: 3000 },
        fallbacks: { context_window: [{ provider: 'anthropic', model: 'claude', weight: 1 }] },
        conditions: [{ when: { 'metadata.plan': { $eq: 'free' } }, then: 'cheap' }],
        default: 'premium',
      };
      const saved = await upsertModel(db, { name: 'resilient', strategy: 'conditional', targets, routing });
      expect(saved).toMatchObject({ strategy: 'conditional', targets, routing });
      expect(await getModel(db, 'resilient')).toEqual(saved);
      const row = await db.selectFrom('models').select(['routing', 'targets']).where('name', '=', 'resilient').executeTakeFirstOrThrow();
      expect(row.routing).toEqual(routing);
      expect(row.targets).toEqual(targets);

      // Replacing without routing clears it; a model that never had any reads as {}.
      expect((await upsertModel(db, { name: 'resilient', strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o' }] })).routing).toEqual({});
    });

    it('refuses to delete a model the cache defaults, another model or a live key still names, saying which', async () => {
      const db = test.database.db;
      const target = [{ provider: 'openai', model: 'x' }];
      await upsertModel(db, { name: 'embed', strategy: 'single', targets: target, cache: { semantic: { embedder: 'embed' } } });
      await upsertModel(db, { name: 'chat', strategy: 'single', targets: target, cache: { mode: 'semantic', semantic: { embedder: 'embed' } } });
      await putCacheSettings(db, { semantic: { embedder: 'embed' } });
      const allowed = (await createKey(db, { name: 'app', models: ['chat', 'embed'] })).record;
      const embedding = (await createKey(db, { name: 'cached', cache: { semantic: { embedder: 'embed' } } })).record;
      const revoked = (await createKey(db, { name: 'old', models: ['embed'] })).record;
      await revokeKey(db, revoked.id);

      expect(await modelUsers(db, 'embed')).toEqual({
        cacheDefaults: true,
        // Its own embedder does not count: it goes with it.
        embedderOf: ['chat'],
        keys: [
          { id: allowed.id, name: 'app' },
          { id: embedding.id, name: 'cached' },
        ],
      });
      await expect(deleteModel(db, 'embed')).rejects.toEqual(
        expect.objectContaining({
          code: 'conflict',
          message: `The model "embed" is still named by the cache defaults (semantic.embedder), model "chat" (cache.semantic.embedder), key "app" (${allowed.id}: allowed models or cache.semantic.embedder), key "cached" (${embedding.id}: allowed models or cache.semantic.embedder); change them first`,
        }),
      );
      expect(await getModel(db, 'embed')).toBeDefined();

      // Once nothing names it (a revoked key does not count), it goes.
      await putCacheSettings(db, {});
      await upsertModel(db, { name: 'chat', strategy: 'single', targets: target });
      await updateKey(db, allowed.id, { models: ['chat'] });
      await updateKey(db, embedding.id, { cache: null });
      expect(await modelUsers(db, 'embed')).toEqual({ cacheDefaults: false, embedderOf: [], keys: [] });
      expect(await deleteModel(db, 'embed')).toBe(true);
      // A model named only in a key's allowed models is refused too.
      await expect(deleteModel(db, 'chat')).rejects.toEqual(expect.objectContaining({ code: 'conflict', message: expect.stringContaining(`key "app"`) }));
    });
  });

  describe('reconcileFileConfig', () => {
    const fileConfig: FileConfig = {
      providers: [
        { name: 'openai', type: 'openai', apiKey: 'sk-file' },
        { name: 'shared', type: 'openai-compatible', baseUrl: 'https://file.test/v1' },
      ],
      models: [
        {
          name: 'gpt',
          strategy: 'single',
          targets: [{ provider: 'openai', model: 'gpt-4o' }],
          price: { inputPerMillion: 1, outputPerMillion: 2 },
          routing: { retry: { attempts: 0 }, timeout_ms: 30000 },
        },
        { name: 'shared-model', strategy: 'single', targets: [{ provider: 'shared', model: 'm' }] },
      ],
    };

    it('upserts the file, leaves API rows alone, and lets the file take over a clashing name', async () => {
      const db = test.database.db;
      await upsertProvider(db, box, { name: 'dashboard-only', type: 'anthropic', apiKey: 'sk-api' });
      await upsertProvider(db, box, { name: 'shared', type: 'openai', apiKey: 'sk-api-shared' });
      await upsertModel(db, { name: 'shared-model', strategy: 'fallback', targets: [{ provider: 'dashboard-only', model: 'claude' }] });
      await upsertModel(db, { name: 'dashboard-model', strategy: 'single', targets: [{ provider: 'dashboard-only', model: 'claude' }] });

      const outcome = await reconcileFileConfig(db, box, fileConfig);
      expect(outcome).toEqual({
        providers: { upserted: ['openai', 'shared'], removed: [] },
        models: { upserted: ['gpt', 'shared-model'], removed: [] },
        guardrails: { upserted: [], removed: [] },
      });

      const providers = await listProvidersWithSecrets(db, box);
      expect(providers.map((provider) => [provider.name, provider.source, provider.apiKey])).toEqual([
        ['dashboard-only', 'api', 'sk-api'],
        ['openai', 'file', 'sk-file'],
        // Taken over: the file is the whole truth, so the API key it does not set is gone.
        ['shared', 'file', null],
      ]);
      expect(providers.find((provider) => provider.name === 'shared')).toMatchObject({ type: 'openai-compatible', baseUrl: 'https://file.test/v1' });
      expect(await getModel(db, 'gpt')).toMatchObject({ routing: { retry: { attempts: 0 }, timeout_ms: 30000 } });
      expect((await listModels(db)).map((model) => [model.name, model.source, model.strategy])).toEqual([
        ['dashboard-model', 'api', 'single'],
        ['gpt', 'file', 'single'],
        ['shared-model', 'file', 'single'],
      ]);
    });

    it('removes file rows that left the file and is idempotent', async () => {
      const db = test.database.db;
      await upsertProvider(db, box, { name: 'dashboard-only', type: 'anthropic' });
      await reconcileFileConfig(db, box, fileConfig);
      const firstIds = (await listProviders(db)).map((provider) => provider.id);
      await reconcileFileConfig(db, box, fileConfig);
      expect((await listProviders(db)).map((provider) => provider.id)).toEqual(firstIds);

      const smaller: FileConfig = { providers: [fileConfig.providers[0]!], models: [fileConfig.models[0]!] };
      expect(await reconcileFileConfig(db, box, smaller)).toEqual({
        providers: { upserted: ['openai'], removed: ['shared'] },
        models: { upserted: ['gpt'], removed: ['shared-model'] },
        guardrails: { upserted: [], removed: [] },
      });

      expect(await reconcileFileConfig(db, box, { providers: [], models: [] })).toEqual({
        providers: { upserted: [], removed: ['openai'] },
        models: { upserted: [], removed: ['gpt'] },
        guardrails: { upserted: [], removed: [] },
      });
      expect((await listProviders(db)).map((provider) => provider.name)).toEqual(['dashboard-only']);
    });

    it('makes file rows read-only for API writes and deletes', async () => {
      const db = test.database.db;
      await reconcileFileConfig(db, box, fileConfig);
      const conflict = expect.objectContaining({ code: 'conflict', message: expect.stringContaining('gateway.yaml') });

      await expect(upsertProvider(db, box, { name: 'openai', type: 'openai', apiKey: 'sk-hijack' })).rejects.toEqual(conflict);
      await expect(upsertModel(db, { name: 'gpt', strategy: 'single', targets: [{ provider: 'x', model: 'y' }] })).rejects.toBeInstanceOf(GatewayError);
      await expect(deleteProvider(db, 'openai')).rejects.toEqual(conflict);
      await expect(deleteModel(db, 'gpt')).rejects.toEqual(conflict);
      expect(await getProviderWithSecrets(db, box, 'openai')).toMatchObject({ apiKey: 'sk-file', source: 'file' });
      expect(await getModel(db, 'gpt')).toMatchObject({ source: 'file', targets: [{ provider: 'openai', model: 'gpt-4o' }] });
    });

    it('rolls back entirely when a part fails', async () => {
      const db = test.database.db;
      await reconcileFileConfig(db, box, fileConfig);
      const broken = {
        providers: [{ name: 'newcomer', type: 'openai' }],
        models: [{ name: 'bad', strategy: null, targets: [] }],
      } as unknown as FileConfig;
      await expect(reconcileFileConfig(db, box, broken)).rejects.toThrow();
      expect((await listProviders(db)).map((provider) => provider.name)).toEqual(['openai', 'shared']);
    });

    it('serialises concurrent reconciles to the same result', async () => {
      const db = test.database.db;
      await Promise.all([reconcileFileConfig(db, box, fileConfig), reconcileFileConfig(db, box, fileConfig), reconcileFileConfig(db, box, fileConfig)]);
      expect((await listProviders(db)).map((provider) => [provider.name, provider.source])).toEqual([
        ['openai', 'file'],
        ['shared', 'file'],
      ]);
      expect(await listModels(db)).toHaveLength(2);
    });
  });
});
