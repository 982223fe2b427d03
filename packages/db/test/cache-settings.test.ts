import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  createKey,
  createSecretBox,
  getCacheSettings,
  getKey,
  getModel,
  insertUsageRecords,
  listKeys,
  listModels,
  listUsage,
  putCacheSettings,
  reconcileFileConfig,
  migrateToLatest,
  updateKey,
  upsertModel,
  type FileConfig,
} from '../src/index.ts';
import { migrations } from '../src/migrations/index.ts';
import { backends, openMigratedDatabase, useMigratedDatabase, usageRecord } from './harness.ts';

const box = createSecretBox(randomBytes(32).toString('base64'));

const fileConfig: FileConfig = {
  providers: [{ name: 'openai', type: 'openai', apiKey: 'sk-file' }],
  models: [
    { name: 'fast', strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }], cache: { mode: 'semantic', ttl: 600 } },
    { name: 'embed', strategy: 'single', targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] },
  ],
  cache: { mode: 'exact', ttl: 3600, semantic: { threshold: 0.95, embedder: 'embed' } },
};

describe.each(backends)('cache settings on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  describe('the cache defaults row', () => {
    it('is absent until set, then read back with its source', async () => {
      const db = test.database.db;
      expect(await getCacheSettings(db)).toBeUndefined();
      const written = await putCacheSettings(db, { mode: 'exact', ttl: 120 });
      expect(written).toMatchObject({ value: { mode: 'exact', ttl: 120 }, source: 'api' });
      expect(written.updatedAt).toBeInstanceOf(Date);
      expect(await getCacheSettings(db)).toEqual(written);

      const replaced = await putCacheSettings(db, { semantic: { threshold: 0.9 } });
      expect(replaced.value).toEqual({ semantic: { threshold: 0.9 } });
      const rows = await db.selectFrom('gateway_settings').select(['name', 'source']).execute();
      expect(rows).toEqual([{ name: 'cache', source: 'api' }]);
    });

    it('comes from gateway.yaml, is read-only for the API, and leaves with the file’s section', async () => {
      const db = test.database.db;
      await putCacheSettings(db, { mode: 'off' });
      // The file's section replaces a row set through the API, as a model of the file does.
      await reconcileFileConfig(db, box, fileConfig);
      expect(await getCacheSettings(db)).toMatchObject({ value: fileConfig.cache, source: 'file' });

      await expect(putCacheSettings(db, { mode: 'off' })).rejects.toEqual(
        expect.objectContaining({ code: 'conflict', message: expect.stringContaining('gateway.yaml') }),
      );
      expect((await getCacheSettings(db))?.value).toEqual(fileConfig.cache);

      // Reconciling again is idempotent; a file without the section removes the file's row.
      await reconcileFileConfig(db, box, fileConfig);
      expect(await getCacheSettings(db)).toMatchObject({ value: fileConfig.cache, source: 'file' });
      await reconcileFileConfig(db, box, { ...fileConfig, cache: null });
      expect(await getCacheSettings(db)).toBeUndefined();
    });

    it('is kept when set through the API and the file has no section', async () => {
      const db = test.database.db;
      await putCacheSettings(db, { mode: 'exact' });
      const { cache: _cache, ...withoutCache } = fileConfig;
      await reconcileFileConfig(db, box, withoutCache);
      expect(await getCacheSettings(db)).toMatchObject({ value: { mode: 'exact' }, source: 'api' });
    });

    it('rolls back with the rest of a failed reconcile', async () => {
      const db = test.database.db;
      await putCacheSettings(db, { mode: 'exact' });
      const broken = { ...fileConfig, models: [{ name: 'bad', strategy: null, targets: [] }] } as unknown as FileConfig;
      await expect(reconcileFileConfig(db, box, broken)).rejects.toThrow();
      expect(await getCacheSettings(db)).toMatchObject({ value: { mode: 'exact' }, source: 'api' });
    });
  });

  describe('models and keys', () => {
    it('store a model’s cache settings from the file and the API, null when it has none', async () => {
      const db = test.database.db;
      await reconcileFileConfig(db, box, fileConfig);
      expect((await listModels(db)).map((model) => [model.name, model.cache])).toEqual([
        ['embed', null],
        ['fast', { mode: 'semantic', ttl: 600 }],
      ]);
      const created = await upsertModel(db, { name: 'api-model', strategy: 'single', targets: [{ provider: 'openai', model: 'm' }], cache: { mode: 'off' } });
      expect(created.cache).toEqual({ mode: 'off' });
      expect((await getModel(db, 'api-model'))?.cache).toEqual({ mode: 'off' });
      // A replacement without cache settings clears them, like the rest of the model.
      expect((await upsertModel(db, { name: 'api-model', strategy: 'single', targets: [{ provider: 'openai', model: 'm' }] })).cache).toBeNull();
    });

    it('store a key’s cache settings, scope included; PATCH keeps them unless given, null clears', async () => {
      const db = test.database.db;
      const { record } = await createKey(db, { name: 'team key', cache: { scope: 'team-a', ttl: 60 } });
      expect(record.cache).toEqual({ scope: 'team-a', ttl: 60 });
      expect((await getKey(db, record.id))?.cache).toEqual({ scope: 'team-a', ttl: 60 });
      expect((await createKey(db, { name: 'plain' })).record.cache).toBeNull();

      expect((await updateKey(db, record.id, { name: 'renamed' }))?.cache).toEqual({ scope: 'team-a', ttl: 60 });
      expect((await updateKey(db, record.id, { cache: { mode: 'semantic', semantic: { threshold: 0.99 } } }))?.cache).toEqual({
        mode: 'semantic',
        semantic: { threshold: 0.99 },
      });
      expect((await updateKey(db, record.id, { cache: null }))?.cache).toBeNull();
      expect((await listKeys(db)).map((key) => key.cache)).toEqual([null, null]);
    });
  });

  describe('usage records', () => {
    it('carry what the cache did and what a hit saved, numeric to the last digit', async () => {
      const db = test.database.db;
      await insertUsageRecords(db, [
        usageRecord('hit', { createdAt: '2030-01-01T00:00:03.000Z', cacheStatus: 'hit', costUsd: 0, costSavedUsd: 0.00012345 }),
        usageRecord('semantic', { createdAt: '2030-01-01T00:00:02.000Z', cacheStatus: 'semantic_hit', costSavedUsd: null }),
        usageRecord('miss', { createdAt: '2030-01-01T00:00:01.000Z', cacheStatus: 'miss' }),
        // An older producer leaves both out: caching off.
        (({ cacheStatus: _status, costSavedUsd: _saved, ...record }) => ({ ...record, createdAt: '2030-01-01T00:00:00.000Z' }))(usageRecord('old')),
      ]);
      const { records } = await listUsage(db, { limit: 10 });
      expect(records.map((record) => [record.requestId, record.cacheStatus, record.costSavedUsd])).toEqual([
        ['hit', 'hit', 0.00012345],
        ['semantic', 'semantic_hit', null],
        ['miss', 'miss', null],
        ['old', null, null],
      ]);
      const stored = await db.selectFrom('usage_records').select(['cost_saved_usd']).where('request_id', '=', 'hit').executeTakeFirstOrThrow();
      expect(Number(stored.cost_saved_usd)).toBe(0.00012345);
    });

    it('refuses a cache status outside the five values', async () => {
      const db = test.database.db;
      await expect(insertUsageRecords(db, [usageRecord('odd', { cacheStatus: 'stale' as never })])).rejects.toThrow(/cache_status/);
    });
  });

  it('has the gateway_settings table and columns the migration adds', async () => {
    const db = test.database.db;
    const columns = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
      select table_name, column_name, data_type, is_nullable from information_schema.columns
      where (table_name = 'gateway_settings') or (column_name in ('cache', 'cache_status', 'cost_saved_usd'))
      order by table_name, column_name`.execute(db);
    expect(columns.rows.map((row) => `${row.table_name}.${row.column_name} ${row.data_type} ${row.is_nullable}`)).toEqual([
      'gateway_keys.cache jsonb YES',
      'gateway_settings.name text NO',
      'gateway_settings.source text NO',
      'gateway_settings.updated_at timestamp with time zone NO',
      'gateway_settings.value jsonb NO',
      'models.cache jsonb YES',
      'usage_records.cache_status text YES',
      'usage_records.cost_saved_usd numeric YES',
    ]);
  });
});

describe('migration 0005-cache', () => {
  it('runs on a database that already ran a later migration (features land out of number order)', async () => {
    const test = await openMigratedDatabase('postgres');
    try {
      const db = test.database.db;
      // As a database migrated before 0005 existed: without its changes and its row.
      await migrations['0005-cache']!.down!(db);
      await db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0005-cache' as never).execute();
      expect(await migrateToLatest(db)).toEqual({ executed: ['0005-cache'] });
      expect(await getCacheSettings(db)).toBeUndefined();
    } finally {
      await test.dispose();
    }
  });
});
