import type { Kysely } from 'kysely';

/**
 * The attempt log of each request on its usage record: every provider attempt (target, status,
 * latency, when it started, retry/hedge/fallback), for the request timeline of the dashboard and
 * the admin API. A jsonb array of at most 20 small objects; null for records written before 0009
 * and for requests that made no provider attempt (cache hits, refusals).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_records').addColumn('attempt_log', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_records').dropColumn('attempt_log').execute();
}
