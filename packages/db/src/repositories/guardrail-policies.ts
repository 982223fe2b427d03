import { sql, type Kysely } from 'kysely';
import { GatewayError, type GuardrailCheck, type GuardrailOnError, type GuardrailPolicy } from '@gateway/contracts';
import type { GuardrailPolicyRow, Schema, Source } from '../schema.ts';
import { fileManagedError } from './read-only.ts';

/** A guardrail policy as the gateway passes it around; `checks` in the contract's shape (snake_case fields). */
export interface GuardrailPolicyRecord {
  name: string;
  checks: GuardrailCheck[];
  onError: GuardrailOnError;
  source: Source;
  createdAt: Date;
  updatedAt: Date;
}

export interface GuardrailPolicyInput {
  name: string;
  /** Validated by @gateway/config's guardrailPolicyConfigSchema before it gets here (defaults applied). */
  checks: GuardrailCheck[];
  onError: GuardrailOnError;
  /** Who manages it: `api` (default) or `file` (gateway.yaml). */
  source?: Source;
}

/** What still names a policy: the models (by name) and keys (by id and name) that list it. */
export interface GuardrailPolicyUsers {
  models: string[];
  keys: Array<{ id: string; name: string }>;
}

function toGuardrailPolicyRecord(row: GuardrailPolicyRow): GuardrailPolicyRecord {
  return { name: row.name, checks: row.checks, onError: row.on_error, source: row.source, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** The policy as the guardrail.v1 contract carries it (what the API sends the guardrail service). */
export function toGuardrailPolicy(record: Pick<GuardrailPolicyRecord, 'name' | 'checks' | 'onError'>): GuardrailPolicy {
  return { name: record.name, checks: record.checks, on_error: record.onError };
}

export async function listGuardrailPolicies(db: Kysely<Schema>): Promise<GuardrailPolicyRecord[]> {
  const rows = await db.selectFrom('guardrail_policies').selectAll().orderBy('name').execute();
  return rows.map(toGuardrailPolicyRecord);
}

export async function getGuardrailPolicy(db: Kysely<Schema>, name: string): Promise<GuardrailPolicyRecord | undefined> {
  const row = await db.selectFrom('guardrail_policies').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toGuardrailPolicyRecord(row);
}

/**
 * Creates or replaces the policy with this name. An `api` write over a `file` row is refused with a
 * `conflict` error; a `file` write takes over any row (see `reconcileFileConfig`), as for models.
 */
export async function upsertGuardrailPolicy(db: Kysely<Schema>, input: GuardrailPolicyInput): Promise<GuardrailPolicyRecord> {
  const source = input.source ?? 'api';
  const now = new Date();
  const row = await db
    .insertInto('guardrail_policies')
    .values({ name: input.name, checks: JSON.stringify(input.checks), on_error: input.onError, source, created_at: now, updated_at: now })
    .onConflict((conflict) => {
      const update = conflict.column('name').doUpdateSet((eb) => ({
        checks: eb.ref('excluded.checks'),
        on_error: eb.ref('excluded.on_error'),
        source: eb.ref('excluded.source'),
        updated_at: eb.ref('excluded.updated_at'),
      }));
      return source === 'file' ? update : update.where('guardrail_policies.source', '=', 'api');
    })
    .returningAll()
    .executeTakeFirst();
  if (!row) throw fileManagedError('guardrail policy', input.name);
  return toGuardrailPolicyRecord(row);
}

/** The models and keys whose `guardrails` name this policy. */
export async function guardrailPolicyUsers(db: Kysely<Schema>, name: string): Promise<GuardrailPolicyUsers> {
  const named = sql<string[]>`${JSON.stringify([name])}::jsonb`;
  const [models, keys] = await Promise.all([
    db.selectFrom('models').select('name').where('guardrails', '@>', named).orderBy('name').execute(),
    db.selectFrom('gateway_keys').select(['id', 'name']).where('guardrails', '@>', named).orderBy('name').orderBy('id').execute(),
  ]);
  return { models: models.map((row) => row.name), keys };
}

/** Of these names, those no policy has, in the order given. */
export async function unknownGuardrailPolicyNames(db: Kysely<Schema>, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db.selectFrom('guardrail_policies').select('name').where('name', 'in', names).execute();
  const known = new Set(rows.map((row) => row.name));
  return names.filter((name) => !known.has(name));
}

/**
 * Deletes an `api` policy; returns false when there is none. Refuses with a `conflict` error a `file`
 * policy, and a policy a model or key still names (the message names them, so the operator knows
 * what to change first): a request naming a policy that is gone could not be checked.
 */
export async function deleteGuardrailPolicy(db: Kysely<Schema>, name: string): Promise<boolean> {
  const run = async (transaction: Kysely<Schema>): Promise<boolean> => {
    const existing = await transaction.selectFrom('guardrail_policies').select('source').where('name', '=', name).forUpdate().executeTakeFirst();
    if (!existing) return false;
    if (existing.source === 'file') throw fileManagedError('guardrail policy', name);
    const users = await guardrailPolicyUsers(transaction, name);
    if (users.models.length > 0 || users.keys.length > 0) throw policyInUseError(name, users);
    await transaction.deleteFrom('guardrail_policies').where('name', '=', name).execute();
    return true;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

function policyInUseError(name: string, users: GuardrailPolicyUsers): GatewayError {
  const named = [
    ...(users.models.length > 0 ? [`models ${users.models.map((model) => `"${model}"`).join(', ')}`] : []),
    ...(users.keys.length > 0 ? [`keys ${users.keys.map((key) => `"${key.name}" (${key.id})`).join(', ')}`] : []),
  ];
  return new GatewayError('conflict', `The guardrail policy "${name}" is still named by ${named.join(' and ')}; remove it from them first`, {
    source: 'database',
  });
}
