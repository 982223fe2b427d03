/**
 * `npm run db:migrate`: migrates DATABASE_URL, or the embedded PGlite database under
 * GATEWAY_DATA_DIR (default ./.data) when no URL is set.
 */
import { join } from 'node:path';
import { createDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL?.trim() || undefined;
  const dataDir = join(process.env.GATEWAY_DATA_DIR?.trim() || './.data', 'pglite');
  const database = await createDatabase(url ? { url, poolSize: 1 } : { dataDir });
  try {
    console.log(url ? `Migrating Postgres at ${redactUrl(url)}` : `Migrating embedded PGlite in ${dataDir}`);
    const { executed } = await migrateToLatest(database.db);
    if (executed.length === 0) console.log('Already at the latest migration; nothing to run');
    for (const name of executed) console.log(`  ran ${name}`);
  } finally {
    await database.close();
  }
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
