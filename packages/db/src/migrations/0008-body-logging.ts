import type { Kysely } from 'kysely';

/**
 * Body logging: a per-key switch (off by default) and the prompts and completions of the requests of
 * keys that have it on, in a table of their own so that usage_records (read by every aggregate of the
 * dashboard) stays narrow. One row per request id, written by the ledger with the usage row.
 *
 * No foreign key to usage_records: tests and operators truncate usage_records alone, which a reference
 * would forbid. `created_at` is the request's own time, so one cut-off deletes a period from both.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('gateway_keys')
    .addColumn('log_bodies', 'boolean', (column) => column.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createTable('usage_bodies')
    .addColumn('request_id', 'text', (column) => column.primaryKey())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    // Text with secrets replaced by <SECRET_n>, at most 32 Ki characters each; null: none (a failed request's completion).
    .addColumn('prompt', 'text')
    .addColumn('completion', 'text')
    .addColumn('prompt_truncated', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('completion_truncated', 'boolean', (column) => column.notNull().defaultTo(false))
    .execute();
  // Deleting old bodies (see docs/admin.md, body logging) goes by time.
  await db.schema.createIndex('usage_bodies_created_at_idx').on('usage_bodies').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_bodies').execute();
  await db.schema.alterTable('gateway_keys').dropColumn('log_bodies').execute();
}
