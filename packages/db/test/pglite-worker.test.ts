import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, sql } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { createDatabase, insertUsageRecords, listUsage, migrateToLatest, type Database, type Schema } from '../src/index.ts';
import { usageRecord } from './harness.ts';

describe('embedded PGlite in a worker thread', () => {
  let directory: string;
  let database: Database;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gateway-pglite-'));
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await rm(directory, { recursive: true, force: true });
  });

  // How responsive the main thread stays while PGlite works is a speed figure: the benchmark in bench/
  // measures it (no timed assertions in tests). Here: a large write through the worker is complete.
  it('writes a large batch through the worker', async () => {
    const records = Array.from({ length: 5000 }, (_, index) => usageRecord(`r${index}`));
    expect(await insertUsageRecords(database.db, records)).toBe(5000);
    const page = await listUsage(database.db, { limit: 1000 });
    expect(page.records).toHaveLength(1000);
    expect(page.nextCursor).not.toBeNull();
  });

  it('keeps Postgres error fields such as the SQLSTATE code', async () => {
    const error = await sql`select 1 / 0`.execute(database.db).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '22012', message: expect.stringContaining('division by zero') });
  });

  it('does not interleave a transaction with other statements', async () => {
    await sql`create table if not exists counter (n int not null)`.execute(database.db);
    const outside = sql`insert into counter values (99)`.execute(database.db);
    await database.db
      .transaction()
      .execute(async (transaction) => {
        await sql`insert into counter values (1)`.execute(transaction);
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await outside;
    const rows = await sql<{ n: number }>`select n from counter order by n`.execute(database.db);
    expect(rows.rows.map((row) => row.n)).toEqual([99]);
  });

  it('answers ping', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
  });
});

describe('a data dir written by PGlite in the main thread (before the worker)', () => {
  it('opens in the worker with its data', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gateway-pglite-'));
    try {
      const dataDir = join(directory, 'pglite');
      const before = new Kysely<Schema>({ dialect: new PGliteDialect(await PGlite.create(dataDir)) });
      await migrateToLatest(before);
      await insertUsageRecords(before, [usageRecord('old')]);
      await before.destroy();

      const after = await createDatabase({ dataDir });
      try {
        const page = await listUsage(after.db, { limit: 10 });
        expect(page.records.map((record) => record.requestId)).toEqual(['old']);
      } finally {
        await after.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
