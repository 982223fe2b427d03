import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../schema.ts';
import type { AdminRole } from './admin-users.ts';

/** A signed-in dashboard user, as every page, server action and route handler checks it. */
export interface AdminSessionRecord {
  /** The stored id: the hash of the token, never the token. */
  id: string;
  userId: string;
  email: string;
  role: AdminRole;
  createdAt: Date;
  expiresAt: Date;
}

/** Hex SHA-256 of a session token: 256 random bits need no salt, and the database finds it by hash. */
export function hashAdminSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Starts a session. The token goes into the cookie and is stored nowhere; only its hash is. */
export async function createAdminSession(
  db: Kysely<Schema>,
  input: { userId: string; lifetimeMs: number; userAgent?: string | null; now?: Date },
): Promise<{ token: string; session: { id: string; expiresAt: Date } }> {
  const token = randomBytes(32).toString('base64url');
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + input.lifetimeMs);
  const id = hashAdminSessionToken(token);
  await db
    .insertInto('admin_sessions')
    .values({ id, user_id: input.userId, created_at: now, last_seen_at: now, expires_at: expiresAt, user_agent: input.userAgent?.slice(0, 300) ?? null })
    .execute();
  return { token, session: { id, expiresAt } };
}

/**
 * The session of a cookie's token, with its user, when it is neither expired nor of a disabled user.
 * The role is read from the user at every call, so a demotion applies at once.
 */
export async function findAdminSession(db: Kysely<Schema>, token: string, now: Date = new Date()): Promise<AdminSessionRecord | undefined> {
  const row = await db
    .selectFrom('admin_sessions')
    .innerJoin('admin_users', 'admin_users.id', 'admin_sessions.user_id')
    .select([
      'admin_sessions.id',
      'admin_sessions.user_id',
      'admin_sessions.created_at',
      'admin_sessions.expires_at',
      'admin_users.email',
      'admin_users.role',
    ])
    .where('admin_sessions.id', '=', hashAdminSessionToken(token))
    .where('admin_sessions.expires_at', '>', now)
    .where('admin_users.disabled_at', 'is', null)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      userId: row.user_id,
      email: row.email,
      role: row.role,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }
  );
}

/** Ends the session of this token (sign-out); unknown tokens are ignored. */
export async function deleteAdminSession(db: Kysely<Schema>, token: string): Promise<void> {
  await db.deleteFrom('admin_sessions').where('id', '=', hashAdminSessionToken(token)).execute();
}

/** Ends every session of a user (disabled, demoted or given a new password). */
export async function deleteAdminSessionsOfUser(db: Kysely<Schema>, userId: string): Promise<number> {
  const result = await db.deleteFrom('admin_sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes expired sessions; returns how many. */
export async function deleteExpiredAdminSessions(db: Kysely<Schema>, now: Date = new Date()): Promise<number> {
  const result = await db.deleteFrom('admin_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
