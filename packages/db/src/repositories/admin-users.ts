import type { Kysely } from 'kysely';
import { newId } from '../ids.ts';
import type { AdminUserRow, Schema } from '../schema.ts';

export type AdminRole = 'admin' | 'viewer';
export const adminRoles: readonly AdminRole[] = ['admin', 'viewer'];

/** A dashboard user as screens see it: never the password hash. */
export interface AdminUserRecord {
  id: string;
  email: string;
  role: AdminRole;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateAdminUserInput {
  email: string;
  /** Already hashed by the caller (the admin app owns the password scheme). */
  passwordHash: string;
  role: AdminRole;
}

const userColumns = ['id', 'email', 'role', 'disabled_at', 'last_sign_in_at', 'created_at', 'updated_at'] as const;

function toAdminUserRecord(row: Pick<AdminUserRow, (typeof userColumns)[number]>): AdminUserRecord {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    disabledAt: row.disabled_at,
    lastSignInAt: row.last_sign_in_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Emails are compared without case and surrounding spaces. */
export function normalizeAdminEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Creates a user; an email already taken is a Postgres unique violation (code 23505). */
export async function createAdminUser(db: Kysely<Schema>, input: CreateAdminUserInput): Promise<AdminUserRecord> {
  const row = await db
    .insertInto('admin_users')
    .values({ id: newId('adm'), email: normalizeAdminEmail(input.email), password_hash: input.passwordHash, role: input.role })
    .returning(userColumns)
    .executeTakeFirstOrThrow();
  return toAdminUserRecord(row);
}

/**
 * Creates the user only when the table is empty (the first admin, from the environment). Returns the
 * new user, or undefined when users exist. Safe when several replicas start at once: the insert
 * checks emptiness in the same statement and the email is unique.
 */
export async function createFirstAdminUser(db: Kysely<Schema>, input: CreateAdminUserInput): Promise<AdminUserRecord | undefined> {
  const row = await db
    .insertInto('admin_users')
    .columns(['id', 'email', 'password_hash', 'role'])
    .expression(
      db
        .selectNoFrom((eb) => [
          eb.val(newId('adm')).as('id'),
          eb.val(normalizeAdminEmail(input.email)).as('email'),
          eb.val(input.passwordHash).as('password_hash'),
          eb.val(input.role).as('role'),
        ])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('admin_users').select('id')))),
    )
    .onConflict((conflict) => conflict.column('email').doNothing())
    .returning(userColumns)
    .executeTakeFirst();
  return row && toAdminUserRecord(row);
}

/** The user and its password hash, for checking a sign-in; undefined when there is no such email. */
export async function findAdminUserForSignIn(
  db: Kysely<Schema>,
  email: string,
): Promise<{ user: AdminUserRecord; passwordHash: string } | undefined> {
  const row = await db
    .selectFrom('admin_users')
    .select([...userColumns, 'password_hash'])
    .where('email', '=', normalizeAdminEmail(email))
    .executeTakeFirst();
  return row && { user: toAdminUserRecord(row), passwordHash: row.password_hash };
}

export async function getAdminUser(db: Kysely<Schema>, id: string): Promise<AdminUserRecord | undefined> {
  const row = await db.selectFrom('admin_users').select(userColumns).where('id', '=', id).executeTakeFirst();
  return row && toAdminUserRecord(row);
}

export async function listAdminUsers(db: Kysely<Schema>): Promise<AdminUserRecord[]> {
  const rows = await db.selectFrom('admin_users').select(userColumns).orderBy('email').execute();
  return rows.map(toAdminUserRecord);
}

export async function recordAdminSignIn(db: Kysely<Schema>, id: string, at: Date = new Date()): Promise<void> {
  await db.updateTable('admin_users').set({ last_sign_in_at: at }).where('id', '=', id).execute();
}

export interface UpdateAdminUserInput {
  role?: AdminRole;
  /** true disables the user (and the caller should end its sessions); false enables it again. */
  disabled?: boolean;
  passwordHash?: string;
}

export async function updateAdminUser(db: Kysely<Schema>, id: string, input: UpdateAdminUserInput): Promise<AdminUserRecord | undefined> {
  const now = new Date();
  const row = await db
    .updateTable('admin_users')
    .set((eb) => ({
      ...(input.role !== undefined && { role: input.role }),
      ...(input.disabled !== undefined && { disabled_at: input.disabled ? eb.fn.coalesce('disabled_at', eb.val(now)) : null }),
      ...(input.passwordHash !== undefined && { password_hash: input.passwordHash }),
      updated_at: now,
    }))
    .where('id', '=', id)
    .returning(userColumns)
    .executeTakeFirst();
  return row && toAdminUserRecord(row);
}

/** How many enabled admins there are (the last one may not be demoted or disabled). */
export async function countActiveAdmins(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('admin_users')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
