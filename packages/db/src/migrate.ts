import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index.ts';

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrationOutcome {
  /** Names of the migrations this call ran, in order (empty when already at the latest). */
  executed: string[];
}

/**
 * Brings the schema to the latest migration. Kysely's migrator holds a lock while it runs, so several
 * replicas starting at once is safe: one migrates, the others find nothing left to do.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationOutcome> {
  // Migrations of separate features may land out of number order (0007 before 0005): each is
  // independent of the others, so a database that already ran a later one still runs an earlier one.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ? `"${failed.migrationName}" ` : ''}failed: ${detail}`, { cause: error });
  }
  return { executed: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}
