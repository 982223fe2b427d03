import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { findAdminSession, type AdminRole, type AdminSessionRecord } from '@gateway/db';
import { adminHost } from '../../host.ts';
import { csrfTokenFor, csrfTokenMatches } from './csrf.ts';

/**
 * Who is signed in, checked against the database on every page, server action and route handler.
 * Middleware only redirects early for comfort; it is never what keeps anyone out (a forged
 * `x-middleware-subrequest` header, CVE-2025-29927, skips middleware but not these checks).
 */
export const sessionCookieName = 'gateway_admin_session';

export interface SignedIn {
  session: AdminSessionRecord;
  /** The cookie's token (the database only has its hash): keys the CSRF token. */
  token: string;
  csrfToken: string;
}

export async function signedInFromToken(token: string | undefined): Promise<SignedIn | undefined> {
  if (!token || token.length > 100) return undefined;
  const session = await findAdminSession(adminHost().database.db, token);
  return session && { session, token, csrfToken: csrfTokenFor(token) };
}

export async function currentSignIn(): Promise<SignedIn | undefined> {
  return signedInFromToken((await cookies()).get(sessionCookieName)?.value);
}

/** For pages: the signed-in user, or a redirect to the sign-in page. */
export async function requirePageSignIn(): Promise<SignedIn> {
  const signedIn = await currentSignIn();
  if (!signedIn) redirect('/sign-in');
  return signedIn;
}

export type Authorization = { ok: true; signedIn: SignedIn } | { ok: false; message: string };

/** Whether this role may do what needs `required` (admins may do everything, viewers only read). */
export function roleAllows(role: AdminRole, required: AdminRole): boolean {
  return required === 'viewer' || role === 'admin';
}

/**
 * For server actions that change something: a live session, the form's CSRF token, and the role.
 * Returns a message for the form instead of throwing, so a refused change says why.
 */
export async function authorizeMutation(formData: FormData, required: AdminRole = 'admin'): Promise<Authorization> {
  const signedIn = await currentSignIn();
  if (!signedIn) return { ok: false, message: 'Your session has ended: sign in again.' };
  // A server action can be posted with any arguments; ours take a form, and nothing else passes.
  if (!(formData instanceof FormData)) return { ok: false, message: 'This request did not come from a form of the dashboard.' };
  if (!csrfTokenMatches(signedIn.token, formData.get('csrf'))) {
    return { ok: false, message: 'This form was not sent by a page of the dashboard (or is stale): reload the page.' };
  }
  if (!roleAllows(signedIn.session.role, required)) return { ok: false, message: 'Viewers cannot change anything.' };
  return { ok: true, signedIn };
}

/** Options of the session cookie: httpOnly, SameSite=Lax, Secure over https (or as configured). */
export async function sessionCookieOptions(expires: Date) {
  const { secureCookies } = adminHost().settings;
  const forwardedProto = (await headers()).get('x-forwarded-proto');
  const secure = secureCookies === 'always' || (secureCookies === 'auto' && forwardedProto?.split(',')[0]?.trim() === 'https');
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', expires };
}
