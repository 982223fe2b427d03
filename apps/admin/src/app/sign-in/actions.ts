'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { countAuditSince, createAdminSession, findAdminUserForSignIn, recordAdminSignIn, recordAudit } from '@gateway/db';
import { adminHost } from '../../host.ts';
import { decoyPasswordHash, verifyPassword } from '../../lib/auth/password.ts';
import { sessionCookieName, sessionCookieOptions } from '../../lib/auth/session.ts';
import { refused, type ActionState } from '../../lib/forms/action-state.ts';

/** Failed sign-ins of one user within the window after which its sign-in is refused for a while. */
const maxFailures = 10;
const failureWindowMs = 15 * 60_000;

/**
 * Signs in with email and password; the same answer for an unknown email and a wrong password. Failed
 * attempts on an existing user are written to the audit log, and counted there: after 10 in 15 minutes
 * that user cannot sign in until older failures leave the window (shared by every replica).
 */
export async function signIn(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const email = formData.get('email');
  const password = formData.get('password');
  if (typeof email !== 'string' || typeof password !== 'string' || email.length > 320 || password.length > 1024) {
    return refused('Enter your email and password.');
  }
  const { database, settings } = adminHost();
  const found = await findAdminUserForSignIn(database.db, email);
  // Unknown emails still cost one scrypt, so timing does not tell which emails exist.
  const matches = await verifyPassword(password, found?.passwordHash ?? (await decoyPasswordHash()));
  if (!found) return refused('Wrong email or password.');
  const failures = await countAuditSince(database.db, { action: 'user.sign_in_failed', targetId: found.user.id, since: new Date(Date.now() - failureWindowMs) });
  if (failures >= maxFailures) return refused('Too many failed sign-ins for this account: try again in 15 minutes.');
  if (!matches || found.user.disabledAt !== null) {
    await recordAudit(database.db, { actorId: null, actorEmail: found.user.email, action: 'user.sign_in_failed', targetType: 'user', targetId: found.user.id });
    return refused('Wrong email or password.');
  }
  const { token, session } = await createAdminSession(database.db, {
    userId: found.user.id,
    lifetimeMs: settings.sessionLifetimeMs,
    userAgent: (await headers()).get('user-agent'),
  });
  await recordAdminSignIn(database.db, found.user.id);
  await recordAudit(database.db, { actorId: found.user.id, actorEmail: found.user.email, action: 'user.sign_in', targetType: 'user', targetId: found.user.id });
  (await cookies()).set(sessionCookieName, token, await sessionCookieOptions(session.expiresAt));
  redirect('/');
}
