import { NextResponse, type NextRequest } from 'next/server';
import { publicUrl } from './lib/public-url.ts';

/**
 * Comfort only: sends visitors without a session cookie to the sign-in page before any rendering.
 * It is not what keeps anyone out: every page, server action and route handler checks the session
 * in the database again (middleware can be skipped, e.g. CVE-2025-29927's x-middleware-subrequest).
 */
export function middleware(request: NextRequest): NextResponse {
  if (!request.cookies.has('gateway_admin_session')) {
    return NextResponse.redirect(publicUrl('/sign-in', request.headers, request.url));
  }
  return NextResponse.next();
}

export const config = {
  matcher: ['/((?!sign-in|sign-out|healthz|_next/|favicon.ico).*)'],
};
