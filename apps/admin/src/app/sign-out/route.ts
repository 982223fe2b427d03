import { NextResponse, type NextRequest } from 'next/server';
import { deleteAdminSession, recordAudit } from '@gateway/db';
import { adminHost } from '../../host.ts';
import { publicUrl } from '../../lib/public-url.ts';
import { csrfTokenMatches } from '../../lib/auth/csrf.ts';
import { sessionCookieName, signedInFromToken } from '../../lib/auth/session.ts';

/** Ends the session (POST with the page's CSRF token, so another site cannot sign anyone out). */
export async function POST(request: NextRequest): Promise<NextResponse> {
  const token = request.cookies.get(sessionCookieName)?.value;
  const signedIn = await signedInFromToken(token);
  const form = await request.formData().catch(() => undefined);
  if (!signedIn || !csrfTokenMatches(signedIn.token, form?.get('csrf'))) {
    return NextResponse.json({ error: 'not signed in, or the form did not come from the dashboard' }, { status: 403 });
  }
  const { database } = adminHost();
  await deleteAdminSession(database.db, signedIn.token);
  await recordAudit(database.db, { actorId: signedIn.session.userId, actorEmail: signedIn.session.email, action: 'user.sign_out', targetType: 'user', targetId: signedIn.session.userId });
  const response = NextResponse.redirect(publicUrl('/sign-in', request.headers, request.url), 303);
  response.cookies.set(sessionCookieName, '', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 0 });
  return response;
}
