import { sql, type Kysely } from 'kysely';

/**
 * Reliability: a model's routing settings beside its targets (retry, hedging, fallbacks, conditions,
 * deadline; targets may now be nested groups), per-key limits and budgets, and what the router decided
 * (and what the executor did) on each usage record.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('models')
    .addColumn('routing', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .alterTable('gateway_keys')
    .addColumn('rpm_limit', 'integer')
    .addColumn('tpm_limit', 'integer')
    .addColumn('max_parallel', 'integer')
    .addColumn('budget_max_usd', 'numeric(18, 8)')
    .addColumn('budget_period', 'text', (column) => column.check(sql`budget_period in ('daily', 'weekly', 'monthly')`))
    // Limits per model for this key: { "<model>": { rpm_limit?, tpm_limit?, max_parallel?, budget? } }.
    .addColumn('model_limits', 'jsonb')
    .execute();
  await db.schema
    .alterTable('usage_records')
    .addColumn('strategy', 'text')
    .addColumn('routing_reason', 'text')
    // What happened beyond one plain call: hedged, continued, idempotent_replay, retried…
    .addColumn('flags', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_records').dropColumn('flags').dropColumn('routing_reason').dropColumn('strategy').execute();
  await db.schema
    .alterTable('gateway_keys')
    .dropColumn('model_limits')
    .dropColumn('budget_period')
    .dropColumn('budget_max_usd')
    .dropColumn('max_parallel')
    .dropColumn('tpm_limit')
    .dropColumn('rpm_limit')
    .execute();
  await db.schema.alterTable('models').dropColumn('routing').execute();
}
