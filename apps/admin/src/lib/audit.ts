import { recordAudit, type Database } from '@gateway/db';
import { adminHost } from '../host.ts';
import type { SignedIn } from './auth/session.ts';

/** The database handle, or a transaction on it: repository functions take either. */
export type Db = Database['db'];

/**
 * Writes who did what to which entity; details never carry secrets (keys, credentials, passwords).
 * Pass the transaction of the change (see `inTransaction`) so the change and its entry are stored
 * together or not at all.
 */
export async function audit(
  signedIn: SignedIn,
  action: string,
  target: { type: string; id: string } | undefined,
  details: Record<string, unknown> = {},
  db: Db = adminHost().database.db,
): Promise<void> {
  await recordAudit(db, {
    actorId: signedIn.session.userId,
    actorEmail: signedIn.session.email,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    details,
  });
}

/**
 * Runs a change and its audit entry in one transaction: both are stored or neither. Everything inside
 * must go through the transaction it is given (embedded PGlite has one connection: a query on the
 * outer handle would wait for the transaction forever). Publish config-changed events after it
 * resolves, so services never reload for a change that was rolled back or is not committed yet.
 */
export function inTransaction<T>(work: (db: Db) => Promise<T>): Promise<T> {
  return adminHost().database.db.transaction().execute(work);
}
