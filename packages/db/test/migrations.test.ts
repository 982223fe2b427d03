import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest } from '../src/index.ts';
import { backends, openTestDatabase, type TestDatabase } from './harness.ts';

describe.each(backends)('migrations on %s', (backend) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('reports the database kind and answers a ping', async () => {
    expect(test.database.kind).toBe(backend);
    await expect(test.database.ping()).resolves.toBeUndefined();
  });

  it('migrates an empty database to the latest schema, then has nothing left to do', async () => {
    expect(await migrateToLatest(test.database.db)).toEqual({ executed: ['0001-initial', '0002-client-request-id', '0003-token-details-and-strict-keys', '0004-routing-limits-budgets', '0005-cache', '0006-guardrails', '0007-admin', '0008-body-logging', '0009-attempt-log'] });
    expect(await migrateToLatest(test.database.db)).toEqual({ executed: [] });

    const tables = await test.database.db.introspection.getTables();
    const columns = Object.fromEntries(tables.map((table) => [table.name, table.columns.map((column) => column.name).sort()]));
    expect(Object.keys(columns)).toEqual(expect.arrayContaining(['gateway_keys', 'providers', 'models', 'usage_records']));
    expect(columns.gateway_keys).toEqual(
      [
        'budget_max_usd', 'budget_period', 'cache', 'created_at', 'expires_at', 'guardrails', 'id', 'key_hash', 'key_prefix', 'last_used_at', 'log_bodies', 'max_parallel',
        'metadata', 'model_limits', 'models', 'name', 'revoked_at', 'rpm_limit', 'strict', 'tpm_limit', 'updated_at',
      ],
    );
    expect(columns.usage_bodies).toEqual(['completion', 'completion_truncated', 'created_at', 'prompt', 'prompt_truncated', 'request_id']);
    expect(columns.usage_records).toEqual(expect.arrayContaining(['cost_usd', 'client_request_id', 'cached_input_tokens', 'reasoning_tokens', 'strategy', 'routing_reason', 'flags']));

    const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'usage_records'`.execute(test.database.db);
    expect(indexes.rows.map((row) => row.indexname)).toEqual(
      expect.arrayContaining([
        'usage_records_created_at_idx',
        'usage_records_key_id_created_at_idx',
        'usage_records_model_created_at_idx',
        'usage_records_client_request_id_idx',
      ]),
    );
  });
});

describe('embedded PGlite', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gateway-pglite-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps its data in the directory across restarts', async () => {
    const dataDir = join(directory, 'pglite');
    const first = await createDatabase({ dataDir });
    await migrateToLatest(first.db);
    await first.db.insertInto('models').values({ id: 'model_1', name: 'kept', strategy: 'single', targets: '[]', source: 'api' }).execute();
    await first.close();

    const second = await createDatabase({ dataDir });
    expect(await migrateToLatest(second.db)).toEqual({ executed: [] });
    expect(await second.db.selectFrom('models').select('name').execute()).toEqual([{ name: 'kept' }]);
    await second.close();
  });
});
