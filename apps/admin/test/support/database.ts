import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { UsageRecord } from '@gateway/contracts';
import { createDatabase, databaseUrlWithName, dropDatabase, ensureDatabaseExists, migrateToLatest, type Database } from '@gateway/db';
import { testServiceUrls, uniqueName } from '@gateway/testkit';

export type Backend = 'postgres' | 'pglite';

/** A migrated database of its own: a fresh Postgres database on DATABASE_URL's server, or a PGlite in a temporary directory. */
export async function openMigratedDatabase(backend: Backend): Promise<{ database: Database; url?: string; clean(): Promise<void>; dispose(): Promise<void> }> {
  let database: Database;
  let remove: () => Promise<void>;
  let url: string | undefined;
  if (backend === 'postgres') {
    url = databaseUrlWithName(testServiceUrls().databaseUrl, uniqueName('admin_test'));
    await ensureDatabaseExists(url);
    database = await createDatabase({ url, poolSize: 4 });
    const created = url;
    remove = () => dropDatabase(created);
  } else {
    const directory = await mkdtemp(join(tmpdir(), 'gateway-admin-pglite-'));
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    remove = () => rm(directory, { recursive: true, force: true });
  }
  await migrateToLatest(database.db);
  return {
    database,
    ...(url ? { url } : {}),
    clean: async () => {
      await sql`truncate gateway_keys, providers, models, usage_records, admin_users, admin_sessions, audit_log`.execute(database.db);
    },
    dispose: async () => {
      await database.close();
      await remove();
    },
  };
}

/** A usage record as the API publishes it, with any fields overridden. */
export function usageRecord(requestId: string, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId,
    clientRequestId: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    keyId: 'key_a',
    model: 'fast',
    provider: 'openai-main',
    providerModel: 'gpt-4o-mini',
    endpoint: 'chat',
    stream: false,
    inputTokens: 10,
    outputTokens: 20,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    strategy: 'loadbalance',
    routingReason: 'weighted pick',
    flags: [],
    costUsd: 0.001,
    latencyMs: 100,
    overheadMs: 2,
    status: 200,
    errorCode: null,
    attempts: 1,
    metadata: {},
    ...overrides,
  };
}
