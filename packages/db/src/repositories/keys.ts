import { sql, type Kysely } from 'kysely';
import { gatewayKeyDisplayPrefix, generateGatewayKey, hashesEqual, hashGatewayKey } from '../gateway-key.ts';
import { newId } from '../ids.ts';
import type { GatewayKeyRow, Schema } from '../schema.ts';

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
}

export interface UpdateKeyInput {
  name?: string;
  models?: string[] | null;
  metadata?: Record<string, unknown>;
  strict?: boolean;
  expiresAt?: Date | null;
}

export type KeyState = 'active' | 'revoked' | 'expired';

const keyColumns = [
  'id',
  'name',
  'key_prefix',
  'models',
  'metadata',
  'strict',
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
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at,
  };
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
