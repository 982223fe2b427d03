import { afterAll, afterEach, beforeAll } from 'vitest';
import type { UsageRecord } from '@gateway/contracts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import {
  createDatabase,
  databaseUrlWithName,
  dropDatabase,
  ensureDatabaseExists,
  migrateToLatest,
  type Database,
} from '../src/index.ts';

export type Backend = 'postgres' | 'pglite';
export const backends: Backend[] = ['postgres', 'pglite'];

export interface TestDatabase {
  database: Database;
  /** Empties every table, keeping the schema. */
  clean(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A fresh database of the given kind: its own Postgres database on DATABASE_URL's server (dropped on
 * dispose), or a PGlite in a temporary directory. Not migrated: tests call `migrateToLatest`.
 */
export async function openTestDatabase(backend: Backend): Promise<TestDatabase> {
  let database: Database;
  let remove: () => Promise<void>;
  if (backend === 'postgres') {
    const url = databaseUrlWithName(testServiceUrls().databaseUrl, uniqueName('db_test'));
    await ensureDatabaseExists(url);
    database = await createDatabase({ url, poolSize: 4 });
    remove = () => dropDatabase(url);
  } else {
    const directory = await mkdtemp(join(tmpdir(), 'gateway-pglite-'));
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    remove = () => rm(directory, { recursive: true, force: true });
  }
  return {
    database,
    clean: async () => {
      await sql`truncate gateway_keys, providers, models, usage_records, usage_bodies, gateway_settings, guardrail_policies`.execute(database.db);
    },
    dispose: async () => {
      await database.close();
      await remove();
    },
  };
}

/**
 * Registers the usual hooks of a test file: a migrated database of this kind for the whole describe
 * block, emptied after every test and disposed of at the end.
 */
export function useMigratedDatabase(backend: Backend): { readonly database: Database } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await openMigratedDatabase(backend);
  });
  afterEach(async () => {
    await current?.clean();
  });
  afterAll(async () => {
    await current?.dispose();
  });
  return {
    get database(): Database {
      if (!current) throw new Error('the test database is opened in beforeAll');
      return current.database;
    },
  };
}

export async function openMigratedDatabase(backend: Backend): Promise<TestDatabase> {
  const test = await openTestDatabase(backend);
  await migrateToLatest(test.database.db);
  return test;
}

/** A usage record as the API would publish it, with any fields overridden. */
export function usageRecord(requestId: string, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId,
    clientRequestId: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    keyId: 'key_a',
    model: 'gpt',
    provider: 'openai',
    providerModel: 'gpt-4o',
    endpoint: 'chat',
    stream: false,
    inputTokens: 10,
    outputTokens: 20,
    cachedInputTokens: 4,
    reasoningTokens: 5,
    strategy: 'fallback',
    routingReason: 'listed order',
    flags: [],
    costUsd: 0.00012345,
    cacheStatus: null,
    costSavedUsd: null,
    guardrails: null,
    latencyMs: 812.5,
    overheadMs: 3.25,
    status: 200,
    errorCode: null,
    attempts: 1,
    metadata: { feature: 'search' },
    ...overrides,
  };
}
