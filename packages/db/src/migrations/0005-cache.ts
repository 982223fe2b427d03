import { sql, type Kysely } from 'kysely';

/**
 * Response cache: gateway-wide settings (the `cache` row: defaults for every model, from gateway.yaml
 * or the admin API), cache settings per model and per key, and on each usage record what the cache did
 * and what a hit saved.
 *
 * No index on usage_records.cache_status: it has five values, so a query by it alone would not use an
 * index, and queries over time already use the created_at indexes; every insert would pay for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('gateway_settings')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('value', 'jsonb', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull().check(sql`source in ('file', 'api')`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  // { mode?, ttl?, semantic?: { threshold?, embedder? } } as gateway.yaml gives it; keys may add scope.
  await db.schema.alterTable('models').addColumn('cache', 'jsonb').execute();
  await db.schema.alterTable('gateway_keys').addColumn('cache', 'jsonb').execute();
  await db.schema
    .alterTable('usage_records')
    // Null: caching was off for the request.
    .addColumn('cache_status', 'text', (column) => column.check(sql`cache_status in ('hit', 'semantic_hit', 'miss', 'refresh', 'bypass')`))
    // On a hit: what the original provider call cost, which this request did not.
    .addColumn('cost_saved_usd', 'numeric(18, 8)')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_records').dropColumn('cost_saved_usd').dropColumn('cache_status').execute();
  await db.schema.alterTable('gateway_keys').dropColumn('cache').execute();
  await db.schema.alterTable('models').dropColumn('cache').execute();
  await db.schema.dropTable('gateway_settings').execute();
}
