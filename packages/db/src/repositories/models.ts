import { sql, type Kysely } from 'kysely';
import { GatewayError } from '@gateway/contracts';
import type { RoutingStrategy } from '@gateway/contracts';
import { newId } from '../ids.ts';
import type { ModelRow, Schema, Source } from '../schema.ts';
import { fileManagedError } from './read-only.ts';
import type { StoredCacheSettings } from './settings.ts';

/** USD per million tokens. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * A target as gateway.yaml and the admin API give it (snake_case): a deployment (`provider`, `model`,
 * `weight`, `price`, `rpm`, `timeout_ms`, `retry`…) or a group (`strategy`, `targets`, `conditions`…).
 * Stored as given; validated by @gateway/config before it gets here and again when the router loads it.
 */
export interface ModelTarget {
  name?: string;
  provider?: string;
  model?: string;
  weight?: number;
  targets?: ModelTarget[];
  [setting: string]: unknown;
}

/** A model's routing settings (`retry`, `timeout_ms`, `hedge`, `fallbacks`, `conditions`, `default`), snake_case as in gateway.yaml. */
export type ModelRouting = Record<string, unknown>;

export interface ModelInput {
  name: string;
  strategy: RoutingStrategy;
  targets: ModelTarget[];
  price?: ModelPrice | null;
  /** Absent: none (`{}`). */
  routing?: ModelRouting;
  /** The model's cache settings; absent or null: the gateway's defaults. */
  cache?: StoredCacheSettings | null;
  /** Names of the guardrail policies that apply to the model, in order; absent or null: none. */
  guardrails?: string[] | null;
  /** Who manages it: `api` (default) or `file` (gateway.yaml). */
  source?: Source;
}

export interface ModelRecord {
  id: string;
  name: string;
  strategy: RoutingStrategy;
  targets: ModelTarget[];
  price: ModelPrice | null;
  routing: ModelRouting;
  /** The model's cache settings; null: the gateway's defaults. */
  cache: StoredCacheSettings | null;
  /** Names of the guardrail policies that apply to the model, in order; null: none. */
  guardrails: string[] | null;
  source: Source;
  createdAt: Date;
  updatedAt: Date;
}

function toModelRecord(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    name: row.name,
    strategy: row.strategy as RoutingStrategy,
    // The column type only knows the first shape (deployments); nested groups and settings came with 0004.
    targets: row.targets,
    price: row.price && { inputPerMillion: row.price.input_per_million, outputPerMillion: row.price.output_per_million },
    routing: row.routing,
    cache: row.cache,
    guardrails: row.guardrails,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Creates or replaces the model with this name. An `api` write over a `file` row is refused with a
 * `conflict` error; a `file` write takes over any row (see `reconcileFileConfig`).
 */
export async function upsertModel(db: Kysely<Schema>, input: ModelInput): Promise<ModelRecord> {
  const source = input.source ?? 'api';
  const now = new Date();
  const row = await db
    .insertInto('models')
    .values({
      id: newId('model'),
      name: input.name,
      strategy: input.strategy,
      targets: JSON.stringify(input.targets),
      routing: JSON.stringify(input.routing ?? {}),
      cache: input.cache == null ? null : JSON.stringify(input.cache),
      guardrails: input.guardrails == null ? null : JSON.stringify(input.guardrails),
      price:
        input.price == null
          ? null
          : JSON.stringify({ input_per_million: input.price.inputPerMillion, output_per_million: input.price.outputPerMillion }),
      source,
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => {
      const update = conflict.column('name').doUpdateSet((eb) => ({
        strategy: eb.ref('excluded.strategy'),
        targets: eb.ref('excluded.targets'),
        price: eb.ref('excluded.price'),
        routing: eb.ref('excluded.routing'),
        cache: eb.ref('excluded.cache'),
        guardrails: eb.ref('excluded.guardrails'),
        source: eb.ref('excluded.source'),
        updated_at: eb.ref('excluded.updated_at'),
      }));
      return source === 'file' ? update : update.where('models.source', '=', 'api');
    })
    .returningAll()
    .executeTakeFirst();
  if (!row) throw fileManagedError('model', input.name);
  return toModelRecord(row);
}

export async function listModels(db: Kysely<Schema>): Promise<ModelRecord[]> {
  const rows = await db.selectFrom('models').selectAll().orderBy('name').execute();
  return rows.map(toModelRecord);
}

export async function getModel(db: Kysely<Schema>, name: string): Promise<ModelRecord | undefined> {
  const row = await db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toModelRecord(row);
}

/** What names a model besides clients' requests: deleting it would leave these pointing at nothing. */
export interface ModelUsers {
  /** The gateway's cache defaults use it as their semantic cache embedder. */
  cacheDefaults: boolean;
  /** Other models whose semantic cache embedder it is. */
  embedderOf: string[];
  /** Keys (not revoked) that list it among their allowed models or use it as their cache embedder. */
  keys: Array<{ id: string; name: string }>;
}

/** The cache defaults, models and keys that name this model (see `ModelUsers`). */
export async function modelUsers(db: Kysely<Schema>, name: string): Promise<ModelUsers> {
  const embedder = (column: 'value' | 'cache') => sql<string | null>`${sql.ref(column)}->'semantic'->>'embedder'`;
  const [defaults, models, keys] = await Promise.all([
    db.selectFrom('gateway_settings').select('name').where('name', '=', 'cache').where(embedder('value'), '=', name).executeTakeFirst(),
    db.selectFrom('models').select('name').where('name', '<>', name).where(embedder('cache'), '=', name).orderBy('name').execute(),
    db
      .selectFrom('gateway_keys')
      .select(['id', 'name'])
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('models', '@>', sql<string[]>`${JSON.stringify([name])}::jsonb`), eb(embedder('cache'), '=', name)]))
      .orderBy('name')
      .orderBy('id')
      .execute(),
  ]);
  return { cacheDefaults: defaults !== undefined, embedderOf: models.map((row) => row.name), keys };
}

/** What a model's users are, in words an operator can act on; empty when nothing names it. */
export function describeModelUsers(users: ModelUsers): string[] {
  return [
    ...(users.cacheDefaults ? ['the cache defaults (semantic.embedder)'] : []),
    ...users.embedderOf.map((model) => `model "${model}" (cache.semantic.embedder)`),
    ...users.keys.map((key) => `key "${key.name}" (${key.id}: allowed models or cache.semantic.embedder)`),
  ];
}

/**
 * Deletes an `api` model; returns false when there is none. Refuses with a `conflict` error a `file`
 * model, and one the cache defaults, another model or a key still names (the message names them):
 * those would be left pointing at a model that is gone.
 */
export async function deleteModel(db: Kysely<Schema>, name: string): Promise<boolean> {
  const run = async (transaction: Kysely<Schema>): Promise<boolean> => {
    const existing = await transaction.selectFrom('models').select('source').where('name', '=', name).forUpdate().executeTakeFirst();
    if (!existing) return false;
    if (existing.source === 'file') throw fileManagedError('model', name);
    const named = describeModelUsers(await modelUsers(transaction, name));
    if (named.length > 0) {
      throw new GatewayError('conflict', `The model "${name}" is still named by ${named.join(', ')}; change them first`, { source: 'database' });
    }
    await transaction.deleteFrom('models').where('name', '=', name).execute();
    return true;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
