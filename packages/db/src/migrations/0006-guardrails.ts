import { sql, type Kysely } from 'kysely';

/**
 * Guardrails: the policies (from gateway.yaml or the admin API), the policies that apply to each
 * model and key (jsonb arrays of policy names, in order), and on each usage record the checks'
 * verdicts (check, verdict, entity types and counts; never a value a check found).
 *
 * Names on models and keys are not foreign keys: a jsonb array cannot reference rows, and a join
 * table per owner would cost every key lookup a second query. The admin API checks the names on
 * write and refuses to delete a policy still named.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('guardrail_policies')
    .addColumn('name', 'text', (column) => column.primaryKey())
    // The checks as the contract's guardrailCheckSchema parses them (snake_case, defaults applied).
    .addColumn('checks', 'jsonb', (column) => column.notNull())
    .addColumn('on_error', 'text', (column) => column.notNull().check(sql`on_error in ('fail_open', 'fail_closed')`))
    .addColumn('source', 'text', (column) => column.notNull().check(sql`source in ('file', 'api')`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.alterTable('models').addColumn('guardrails', 'jsonb').execute();
  await db.schema.alterTable('gateway_keys').addColumn('guardrails', 'jsonb').execute();
  // Null: no policy applied to the request.
  await db.schema.alterTable('usage_records').addColumn('guardrails', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_records').dropColumn('guardrails').execute();
  await db.schema.alterTable('gateway_keys').dropColumn('guardrails').execute();
  await db.schema.alterTable('models').dropColumn('guardrails').execute();
  await db.schema.dropTable('guardrail_policies').execute();
}
