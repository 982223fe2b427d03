import { sql, type Kysely } from 'kysely';

/**
 * Keys, provider and model configuration, and the usage ledger. Migrations take `Kysely<any>` and
 * import nothing but kysely: they describe the schema as it was at the time, not as the code is now.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('gateway_keys')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull().unique())
    .addColumn('key_prefix', 'text', (column) => column.notNull())
    .addColumn('models', 'jsonb')
    .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('providers')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull().unique())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('base_url', 'text')
    .addColumn('api_key_ciphertext', 'text')
    .addColumn('settings', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('source', 'text', (column) => column.notNull().check(sql`source in ('file', 'api')`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('models')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull().unique())
    .addColumn('strategy', 'text', (column) => column.notNull())
    .addColumn('targets', 'jsonb', (column) => column.notNull())
    .addColumn('price', 'jsonb')
    .addColumn('source', 'text', (column) => column.notNull().check(sql`source in ('file', 'api')`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('usage_records')
    .addColumn('request_id', 'text', (column) => column.primaryKey())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('key_id', 'text')
    .addColumn('model', 'text')
    .addColumn('provider', 'text')
    .addColumn('provider_model', 'text')
    .addColumn('endpoint', 'text', (column) => column.notNull())
    .addColumn('stream', 'boolean', (column) => column.notNull())
    .addColumn('input_tokens', 'integer', (column) => column.notNull())
    .addColumn('output_tokens', 'integer', (column) => column.notNull())
    .addColumn('cost_usd', 'numeric(18, 8)')
    .addColumn('latency_ms', 'double precision', (column) => column.notNull())
    .addColumn('overhead_ms', 'double precision', (column) => column.notNull())
    .addColumn('status', 'integer', (column) => column.notNull())
    .addColumn('error_code', 'text')
    .addColumn('attempts', 'integer', (column) => column.notNull())
    .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  // Listing newest first pages by (created_at, request_id); the key and model views filter first.
  await db.schema.createIndex('usage_records_created_at_idx').on('usage_records').columns(['created_at', 'request_id']).execute();
  await db.schema.createIndex('usage_records_key_id_created_at_idx').on('usage_records').columns(['key_id', 'created_at']).execute();
  await db.schema.createIndex('usage_records_model_created_at_idx').on('usage_records').columns(['model', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_records').execute();
  await db.schema.dropTable('models').execute();
  await db.schema.dropTable('providers').execute();
  await db.schema.dropTable('gateway_keys').execute();
}
