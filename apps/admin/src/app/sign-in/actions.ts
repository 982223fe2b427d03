'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { countAuditSince, createAdminSession, findAdminUserForSignIn, recordAdminSignIn, recordAudit } from '@gateway/db';
import { adminHost } from '../../host.ts';
import { clientAddressHeader } from '../../lib/auth/client-address.ts';
import { decoyPasswordHash, verifyPassword } from '../../lib/auth/password.ts';
import { sessionCookieName, sessionCookieOptions } from '../../lib/auth/session.ts';
import { refused, type ActionState } from '../../lib/forms/action-state.ts';

/** Failed sign-ins of one user from one address within the window, after which that pair is refused for a while. */
const maxFailuresPerAccount = 10;
/** Failed sign-ins from one address, whatever the emails, after which that address is refused for a while. */
const maxFailuresPerAddress = 50;
const failureWindowMs = 15 * 60_000;
/** What an unknown email is recorded as: whatever was typed (a password in the wrong field, say) is not kept. */
const unknownEmail = '(unknown email)';

/**
 * Signs in with email and password; the same answer for an unknown email and a wrong password. Every
 * failed attempt is written to the audit log with the client's address (decided by the dashboard's
 * server, see client-address.ts), and counted there by every replica: 10 failures of one account from
 * one address in 15 minutes refuse that account from that address, 50 failures from one address refuse
 * the address, until older failures leave the window. Someone guessing from elsewhere therefore
 * cannot lock the real user out.
 */
export async function signIn(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const email = formData.get('email');
  const password = formData.get('password');
  if (typeof email !== 'string' || typeof password !== 'string' || email.length > 320 || password.length > 1024) {
    return refused('Enter your email and password.');
  }
  const { database, settings } = adminHost();
  const requestHeaders = await headers();
  const address = requestHeaders.get(clientAddressHeader) ?? 'unknown';
  const since = new Date(Date.now() - failureWindowMs);
  const failed = { action: 'user.sign_in_failed', since };
  if ((await countAuditSince(database.db, { ...failed, details: { address } })) >= maxFailuresPerAddress) {
    return refused('Too many failed sign-ins from your address: try again in 15 minutes.');
  }
  const found = await findAdminUserForSignIn(database.db, email);
  // Unknown emails still cost one scrypt, so timing does not tell which emails exist.
  const matches = await verifyPassword(password, found?.passwordHash ?? (await decoyPasswordHash()));
  if (!found) {
    await recordAudit(database.db, { actorId: null, actorEmail: unknownEmail, action: 'user.sign_in_failed', targetType: 'user', targetId: null, details: { address } });
    return refused('Wrong email or password.');
  }
  const failures = await countAuditSince(database.db, { ...failed, targetId: found.user.id, details: { address } });
  if (failures >= maxFailuresPerAccount) return refused('Too many failed sign-ins for this account from your address: try again in 15 minutes.');
  if (!matches || found.user.disabledAt !== null) {
    await recordAudit(database.db, { actorId: null, actorEmail: found.user.email, action: 'user.sign_in_failed', targetType: 'user', targetId: found.user.id, details: { address } });
    return refused('Wrong email or password.');
  }
  const { token, session } = await createAdminSession(database.db, {
    userId: found.user.id,
    lifetimeMs: settings.sessionLifetimeMs,
    userAgent: requestHeaders.get('user-agent'),
  });
  await recordAdminSignIn(database.db, found.user.id);
  await recordAudit(database.db, { actorId: found.user.id, actorEmail: found.user.email, action: 'user.sign_in', targetType: 'user', targetId: found.user.id, details: { address } });
  (await cookies()).set(sessionCookieName, token, await sessionCookieOptions(session.expiresAt));
  redirect('/');
}
