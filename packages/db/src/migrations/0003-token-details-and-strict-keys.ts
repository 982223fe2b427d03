import { sql, type Kysely } from 'kysely';

/**
 * Token details beside the totals, so cost can be checked against what providers bill (cached input is
 * cheaper, reasoning is output the caller never sees), and a per-key strict mode: a key whose requests
 * must fail (400) rather than lose a setting the provider cannot honour.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('usage_records')
    .addColumn('cached_input_tokens', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('reasoning_tokens', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('gateway_keys')
    .addColumn('strict', 'boolean', (column) => column.notNull().defaultTo(sql`false`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('gateway_keys').dropColumn('strict').execute();
  await db.schema.alterTable('usage_records').dropColumn('reasoning_tokens').dropColumn('cached_input_tokens').execute();
}
