import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PgliteWorkerClient, PgliteWorkerDialect } from './pglite-worker-dialect.ts';
import type { Schema } from './schema.ts';

export const defaultPgliteDataDir = './.data/pglite';

export interface DatabaseOptions {
  /** A Postgres URL; without one the database is an embedded PGlite. */
  url?: string;
  /** Where PGlite keeps its files (default `./.data/pglite`); ignored with `url`. */
  dataDir?: string;
  /** Most connections the Postgres pool opens (default 10). */
  poolSize?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); without it they are ignored, the next query reports them. */
  onPoolError?: (error: Error) => void;
}

export interface Database {
  db: Kysely<Schema>;
  kind: 'postgres' | 'pglite';
  /** Round trip to the database; throws when it does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function createDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client's error is emitted on the pool; without a listener it would crash the process.
    pool.on('error', (error) => options.onPoolError?.(error));
    return wrap(new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
  }
  const dataDir = resolve(options.dataDir ?? defaultPgliteDataDir);
  await mkdir(dataDir, { recursive: true });
  // PGlite runs synchronously on its thread: it lives in a worker so its work never blocks this event loop.
  const pglite = await PgliteWorkerClient.start(dataDir);
  // Destroying the Kysely instance closes PGlite and ends the worker (the dialect's driver does it).
  return wrap(new Kysely<Schema>({ dialect: new PgliteWorkerDialect(pglite) }), 'pglite');
}

function wrap(db: Kysely<Schema>, kind: Database['kind']): Database {
  return {
    db,
    kind,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** Splits a Postgres URL into the database it names and a URL of the `postgres` maintenance database. */
function maintenanceTarget(url: string): { name: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!name) throw new Error('The database URL names no database (expected postgres://host/<name>)');
  parsed.pathname = '/postgres';
  return { name, maintenanceUrl: parsed.toString() };
}

async function withMaintenanceClient<T>(url: string, run: (client: pg.Client, name: string) => Promise<T>): Promise<T> {
  const { name, maintenanceUrl } = maintenanceTarget(url);
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    return await run(client, name);
  } finally {
    await client.end();
  }
}

/** Quotes an identifier for DDL, which takes no parameters. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates the database named in `url` when it does not exist (connecting to `postgres`). Returns whether it created it. */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  return withMaintenanceClient(url, async (client, name) => {
    const existing = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (existing.rowCount) return false;
    try {
      await client.query(`create database ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      // Another process created it between the check and the create.
      if ((error as { code?: string }).code === '42P04') return false;
      throw error;
    }
  });
}

/** Drops the database named in `url`, closing its remaining connections; for tests. */
export async function dropDatabase(url: string): Promise<void> {
  await withMaintenanceClient(url, async (client, name) => {
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    await client.query(`drop database if exists ${quoteIdentifier(name)}`);
  });
}

/** The URL of another database on the same server (same credentials and options). */
export function databaseUrlWithName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}
