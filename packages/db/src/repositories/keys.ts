import { sql, type Kysely } from 'kysely';
import { gatewayKeyDisplayPrefix, generateGatewayKey, hashesEqual, hashGatewayKey } from '../gateway-key.ts';
import { newId } from '../ids.ts';
import type { GatewayKeyRow, Schema } from '../schema.ts';
import type { StoredKeyCacheSettings } from './settings.ts';

export type BudgetPeriod = 'daily' | 'weekly' | 'monthly';

/** A USD budget per calendar period (UTC). */
export interface Budget {
  maxUsd: number;
  period: BudgetPeriod;
}

/** Limits of a key, or of one model for a key; null (or absent, per model) means no limit of that kind. */
export interface Limits {
  /** Requests per minute. */
  rpmLimit: number | null;
  /** Tokens (input + output) per minute. */
  tpmLimit: number | null;
  /** Requests in flight at once. */
  maxParallel: number | null;
  budget: Budget | null;
}

/** Per model name (the `model` a request names): limits on top of the key's own. */
export type ModelLimits = Record<string, Partial<Limits>>;

/** A gateway key as the rest of the gateway sees it: never the key itself, nor its hash. */
export interface KeyRecord {
  id: string;
  name: string;
  /** The first characters of the key, to tell keys apart. */
  keyPrefix: string;
  /** Model names the key may use; null means every model. */
  models: string[] | null;
  metadata: Record<string, unknown>;
  /** Strict mode for every request: what a provider cannot do fails the request instead of warning. */
  strict: boolean;
  /** The key's own limits and budget. */
  limits: Limits;
  /** Limits per model for this key; null when there are none. */
  modelLimits: ModelLimits | null;
  /** The key's cache settings (over the model's), `scope` included; null when it has none. */
  cache: StoredKeyCacheSettings | null;
  /** Names of the guardrail policies that apply to every request of the key, in order; null: none. */
  guardrails: string[] | null;
  /** Whether the prompts and completions of the key's requests are logged (secrets scrubbed). */
  logBodies: boolean;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
}

export interface CreateKeyInput {
  name: string;
  models?: string[] | null;
  metadata?: Record<string, unknown>;
  strict?: boolean;
  expiresAt?: Date | null;
  limits?: Partial<Limits>;
  modelLimits?: ModelLimits | null;
  cache?: StoredKeyCacheSettings | null;
  guardrails?: string[] | null;
  /** Default false. */
  logBodies?: boolean;
}

export interface UpdateKeyInput {
  name?: string;
  models?: string[] | null;
  metadata?: Record<string, unknown>;
  strict?: boolean;
  expiresAt?: Date | null;
  /** Only the given kinds change; a kind given as null is removed. */
  limits?: Partial<Limits>;
  modelLimits?: ModelLimits | null;
  /** Null clears the key's cache settings. */
  cache?: StoredKeyCacheSettings | null;
  /** Null clears the key's guardrail policies. */
  guardrails?: string[] | null;
  logBodies?: boolean;
}

export type KeyState = 'active' | 'revoked' | 'expired';

const keyColumns = [
  'id',
  'name',
  'key_prefix',
  'models',
  'metadata',
  'strict',
  'rpm_limit',
  'tpm_limit',
  'max_parallel',
  'budget_max_usd',
  'budget_period',
  'model_limits',
  'cache',
  'guardrails',
  'log_bodies',
  'expires_at',
  'revoked_at',
  'created_at',
  'updated_at',
  'last_used_at',
] as const;

function toKeyRecord(row: Pick<GatewayKeyRow, (typeof keyColumns)[number]>): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    models: row.models,
    metadata: row.metadata,
    strict: row.strict,
    limits: {
      rpmLimit: row.rpm_limit,
      tpmLimit: row.tpm_limit,
      maxParallel: row.max_parallel,
      budget: row.budget_max_usd !== null && row.budget_period !== null ? { maxUsd: Number(row.budget_max_usd), period: row.budget_period } : null,
    },
    modelLimits: row.model_limits === null ? null : modelLimitsFromColumn(row.model_limits),
    cache: row.cache,
    guardrails: row.guardrails,
    logBodies: row.log_bodies,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at,
  };
}

/** model_limits as stored: snake_case, like the admin API and gateway.yaml. */
interface StoredLimits {
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  max_parallel?: number | null;
  budget?: { max_usd: number; period: BudgetPeriod } | null;
}

function modelLimitsFromColumn(column: Record<string, unknown>): ModelLimits {
  const result: ModelLimits = {};
  for (const [model, value] of Object.entries(column)) {
    const stored = value as StoredLimits;
    result[model] = {
      ...(stored.rpm_limit != null ? { rpmLimit: stored.rpm_limit } : {}),
      ...(stored.tpm_limit != null ? { tpmLimit: stored.tpm_limit } : {}),
      ...(stored.max_parallel != null ? { maxParallel: stored.max_parallel } : {}),
      ...(stored.budget != null ? { budget: { maxUsd: Number(stored.budget.max_usd), period: stored.budget.period } } : {}),
    };
  }
  return result;
}

function modelLimitsColumn(modelLimits: ModelLimits | null | undefined): string | null {
  if (modelLimits == null) return null;
  const stored: Record<string, StoredLimits> = {};
  for (const [model, limits] of Object.entries(modelLimits)) {
    stored[model] = {
      ...(limits.rpmLimit != null ? { rpm_limit: limits.rpmLimit } : {}),
      ...(limits.tpmLimit != null ? { tpm_limit: limits.tpmLimit } : {}),
      ...(limits.maxParallel != null ? { max_parallel: limits.maxParallel } : {}),
      ...(limits.budget != null ? { budget: { max_usd: limits.budget.maxUsd, period: limits.budget.period } } : {}),
    };
  }
  return JSON.stringify(stored);
}

/** The columns of the given limit kinds (absent kinds are left out, so an update keeps them). */
function limitColumns(limits: Partial<Limits> | undefined) {
  if (!limits) return {};
  return {
    ...(limits.rpmLimit !== undefined && { rpm_limit: limits.rpmLimit }),
    ...(limits.tpmLimit !== undefined && { tpm_limit: limits.tpmLimit }),
    ...(limits.maxParallel !== undefined && { max_parallel: limits.maxParallel }),
    ...(limits.budget !== undefined && {
      budget_max_usd: limits.budget?.maxUsd ?? null,
      budget_period: limits.budget?.period ?? null,
    }),
  };
}

/** Whether the key, or the key for this model, has any limit or budget (a key with none needs no counters). */
export function hasLimits(record: { limits?: Limits; modelLimits?: ModelLimits | null }, model?: string | null): boolean {
  if (record.limits && Object.values(record.limits).some((value) => value != null)) return true;
  const forModel = limitsForModel(record.modelLimits, model);
  return forModel !== undefined && Object.values(forModel).some((value) => value != null);
}

/** The limits a key sets for one model, if any (own properties only: a model named `__proto__` is just a name). */
export function limitsForModel(modelLimits: ModelLimits | null | undefined, model: string | null | undefined): Partial<Limits> | undefined {
  return model != null && modelLimits && Object.hasOwn(modelLimits, model) ? modelLimits[model] : undefined;
}

/** Whether a key may be used now. Lookups return revoked and expired keys too; callers decide with this. */
export function keyState(record: KeyRecord, now: Date = new Date()): KeyState {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** Creates a key. The plaintext is returned here once and stored nowhere: only its hash is kept. */
export async function createKey(
  db: Kysely<Schema>,
  input: CreateKeyInput,
): Promise<{ record: KeyRecord; plaintextKey: string }> {
  const plaintextKey = generateGatewayKey();
  const row = await db
    .insertInto('gateway_keys')
    .values({
      id: newId('key'),
      name: input.name,
      key_hash: hashGatewayKey(plaintextKey),
      key_prefix: gatewayKeyDisplayPrefix(plaintextKey),
      models: input.models == null ? null : JSON.stringify(input.models),
      metadata: JSON.stringify(input.metadata ?? {}),
      strict: input.strict ?? false,
      ...limitColumns(input.limits),
      model_limits: modelLimitsColumn(input.modelLimits),
      cache: input.cache == null ? null : JSON.stringify(input.cache),
      guardrails: input.guardrails == null ? null : JSON.stringify(input.guardrails),
      log_bodies: input.logBodies ?? false,
      expires_at: input.expiresAt ?? null,
    })
    .returning(keyColumns)
    .executeTakeFirstOrThrow();
  return { record: toKeyRecord(row), plaintextKey };
}

/** Every key, newest first, revoked ones included. */
export async function listKeys(db: Kysely<Schema>): Promise<KeyRecord[]> {
  const rows = await db.selectFrom('gateway_keys').select(keyColumns).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toKeyRecord);
}

export async function getKey(db: Kysely<Schema>, id: string): Promise<KeyRecord | undefined> {
  const row = await db.selectFrom('gateway_keys').select(keyColumns).where('id', '=', id).executeTakeFirst();
  return row && toKeyRecord(row);
}

/**
 * Finds the key a client presented, by the hash of what it sent (a bound parameter: whatever the
 * client sends is only ever hashed). Returns revoked and expired keys too: check `keyState`.
 */
export async function findKeyByPlaintext(db: Kysely<Schema>, plaintextKey: string): Promise<KeyRecord | undefined> {
  const hash = hashGatewayKey(plaintextKey);
  const row = await db
    .selectFrom('gateway_keys')
    .select([...keyColumns, 'key_hash'])
    .where('key_hash', '=', hash)
    .executeTakeFirst();
  if (!row || !hashesEqual(row.key_hash, hash)) return undefined;
  return toKeyRecord(row);
}

/** Revokes a key (idempotent: a revoked key keeps its first revocation time). */
export async function revokeKey(db: Kysely<Schema>, id: string, at: Date = new Date()): Promise<KeyRecord | undefined> {
  const row = await db
    .updateTable('gateway_keys')
    .set((eb) => ({
      revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)),
      updated_at: at,
    }))
    .where('id', '=', id)
    .returning(keyColumns)
    .executeTakeFirst();
  return row && toKeyRecord(row);
}

/** Changes the given fields; absent fields stay as they are. */
export async function updateKey(db: Kysely<Schema>, id: string, input: UpdateKeyInput): Promise<KeyRecord | undefined> {
  const row = await db
    .updateTable('gateway_keys')
    .set({
      ...(input.name !== undefined && { name: input.name }),
      ...(input.models !== undefined && { models: input.models === null ? null : JSON.stringify(input.models) }),
      ...(input.metadata !== undefined && { metadata: JSON.stringify(input.metadata) }),
      ...(input.strict !== undefined && { strict: input.strict }),
      ...(input.expiresAt !== undefined && { expires_at: input.expiresAt }),
      ...limitColumns(input.limits),
      ...(input.modelLimits !== undefined && { model_limits: modelLimitsColumn(input.modelLimits) }),
      ...(input.cache !== undefined && { cache: input.cache === null ? null : JSON.stringify(input.cache) }),
      ...(input.guardrails !== undefined && { guardrails: input.guardrails === null ? null : JSON.stringify(input.guardrails) }),
      ...(input.logBodies !== undefined && { log_bodies: input.logBodies }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning(keyColumns)
    .executeTakeFirst();
  return row && toKeyRecord(row);
}

/** Records that a key was used. Callers may throttle this; it never moves the time backwards. */
export async function touchKeyLastUsed(db: Kysely<Schema>, id: string, at: Date = new Date()): Promise<void> {
  await touchKeysLastUsed(db, new Map([[id, at]]));
}

/**
 * Records the last use of several keys in one statement (the ledger calls it once per usage batch).
 * `lastUsed` maps a key id to its latest use; a stored time that is already later is kept, so batches
 * handled out of order never move a key's last use backwards. Unknown ids are ignored.
 */
export async function touchKeysLastUsed(db: Kysely<Schema>, lastUsed: ReadonlyMap<string, Date>): Promise<void> {
  if (lastUsed.size === 0) return;
  // Sorted ids: concurrent ledgers then tend to lock shared rows in the same order.
  const values = [...lastUsed].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  const rows = sql.join(values.map(([id, at]) => sql`(${id}::text, ${at}::timestamptz)`));
  // The second condition only spares rewriting rows whose time would not change.
  await sql`
    update gateway_keys
    set last_used_at = greatest(coalesce(gateway_keys.last_used_at, used.at), used.at)
    from (values ${rows}) as used (id, at)
    where gateway_keys.id = used.id
      and (gateway_keys.last_used_at is null or gateway_keys.last_used_at < used.at)
  `.execute(db);
}

/** A key's (or a key's model's) spend in the ledger over one period. */
export interface LedgerSpend {
  keyId: string;
  /** The requested model; null for requests without one (e.g. some pass-through calls). */
  model: string | null;
  costUsd: number;
}

/**
 * What the given keys spent in [from, to) according to the usage records (the truth for budgets),
 * per key and model. Keys without records are absent. Uses the (key_id, created_at) index.
 */
export async function ledgerSpend(db: Kysely<Schema>, keyIds: readonly string[], from: Date, to: Date): Promise<LedgerSpend[]> {
  if (keyIds.length === 0) return [];
  const rows = await db
    .selectFrom('usage_records')
    .select((eb) => ['key_id', 'model', eb.fn.sum<string | number | null>('cost_usd').as('cost')])
    .where('key_id', 'in', [...keyIds])
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy(['key_id', 'model'])
    .execute();
  return rows.map((row) => ({ keyId: row.key_id!, model: row.model, costUsd: Number(row.cost ?? 0) }));
}

/**
 * Keys that are not revoked and have a budget of their own or per model (model_limits may hold one):
 * what budget reconciliation looks at. Expired keys are included; they cost nothing to check.
 */
export async function listKeysWithBudgets(db: Kysely<Schema>): Promise<KeyRecord[]> {
  const rows = await db
    .selectFrom('gateway_keys')
    .select(keyColumns)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('budget_max_usd', 'is not', null), eb('model_limits', 'is not', null)]))
    .orderBy('id')
    .execute();
  return rows.map(toKeyRecord).filter((record) => record.limits.budget !== null || Object.values(record.modelLimits ?? {}).some((limits) => limits.budget != null));
}
