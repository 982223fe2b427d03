import { sql, type Kysely } from 'kysely';
import type { AuditLogRow, Schema } from '../schema.ts';

/** One change made through the dashboard: who, what, when, on what. */
export interface AuditEntry {
  id: string;
  at: Date;
  actorId: string | null;
  actorEmail: string;
  /** `<entity>.<verb>`, e.g. `key.create`, `key.revoke`, `provider.update`, `user.sign_in`. */
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** What changed, never a secret (callers leave credentials and keys out). */
  details: Record<string, unknown>;
}

export interface AuditInput {
  actorId: string | null;
  actorEmail: string;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

function toAuditEntry(row: AuditLogRow): AuditEntry {
  return {
    id: String(row.id),
    at: row.at,
    actorId: row.actor_id,
    actorEmail: row.actor_email,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details,
  };
}

/** Writes an entry; call it in the same transaction as the change it records where there is one. */
export async function recordAudit(db: Kysely<Schema>, input: AuditInput): Promise<AuditEntry> {
  const row = await db
    .insertInto('audit_log')
    .values({
      actor_id: input.actorId,
      actor_email: input.actorEmail,
      action: input.action,
      target_type: input.targetType ?? null,
      target_id: input.targetId ?? null,
      details: JSON.stringify(input.details ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAuditEntry(row);
}

export interface ListAuditOptions {
  /** Page size, 1 to 500. */
  limit: number;
  /** Entries older than this id (the last id of the previous page). */
  beforeId?: string;
  actorEmail?: string;
  /** Exact action, or a prefix ending in `.` (`key.`). */
  action?: string;
  targetId?: string;
}

/** Entries newest first, a page at a time; `nextBeforeId` is null on the last page. */
export async function listAudit(db: Kysely<Schema>, options: ListAuditOptions): Promise<{ entries: AuditEntry[]; nextBeforeId: string | null }> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 500) throw new RangeError('limit must be an integer from 1 to 500');
  let query = db.selectFrom('audit_log').selectAll();
  if (options.beforeId !== undefined) {
    if (!/^\d{1,19}$/.test(options.beforeId)) throw new RangeError('beforeId must be an audit entry id');
    query = query.where('id', '<', options.beforeId as never);
  }
  if (options.actorEmail !== undefined) query = query.where('actor_email', '=', options.actorEmail.trim().toLowerCase());
  if (options.action !== undefined) {
    query = options.action.endsWith('.')
      ? query.where('action', 'like', `${options.action.replaceAll(/[\\%_]/g, (character) => `\\${character}`)}%`)
      : query.where('action', '=', options.action);
  }
  if (options.targetId !== undefined) query = query.where('target_id', '=', options.targetId);
  const rows = await query.orderBy('id', 'desc').limit(options.limit + 1).execute();
  const entries = rows.slice(0, options.limit).map(toAuditEntry);
  return { entries, nextBeforeId: rows.length > options.limit ? (entries.at(-1)?.id ?? null) : null };
}

/** How many entries of this action (on this target, with these details) were written since `since` (e.g. failed sign-ins). */
export async function countAuditSince(
  db: Kysely<Schema>,
  filter: { action: string; targetId?: string; details?: Record<string, string>; since: Date },
): Promise<number> {
  let query = db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('action', '=', filter.action)
    .where('at', '>=', filter.since);
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
  // jsonb containment: entries whose details hold these fields with these values.
  if (filter.details !== undefined) query = query.where(sql<boolean>`details @> ${JSON.stringify(filter.details)}::jsonb`);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.count);
}
