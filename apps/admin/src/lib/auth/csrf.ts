import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The CSRF token of a session: an HMAC of a fixed label keyed by the session's cookie token. Only a
 * page of the dashboard (same origin) can read it; a forged form from elsewhere cannot, and it needs
 * no storage. Every mutation checks it on top of Next's own Origin check and the SameSite cookie.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('gateway-admin-csrf-v1').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
