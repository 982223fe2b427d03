import type { Kysely } from 'kysely';

/**
 * The `x-request-id` a client sent, kept beside the gateway's own request id so that an operator can
 * find a record from the id the client saw. Nullable: not every request carries one, and records
 * written before this migration have none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_records').addColumn('client_request_id', 'text').execute();
  await db.schema.createIndex('usage_records_client_request_id_idx').on('usage_records').column('client_request_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('usage_records_client_request_id_idx').execute();
  await db.schema.alterTable('usage_records').dropColumn('client_request_id').execute();
}
