import { GatewayError, headerNames } from '@gateway/contracts';

/** What one request lets the cache do, from `x-gateway-cache` and the standard `Cache-Control`. */
export interface CacheDirective {
  /** Look for a stored answer. */
  read: boolean;
  /** Store the fresh answer. */
  write: boolean;
  /** Only stored answers at most this old (seconds) are served (`Cache-Control: max-age`). */
  maxAgeSeconds?: number;
}

export const cacheRequestValues = ['no-cache', 'no-store', 'force-refresh'] as const;

type HeaderValue = string | string[] | undefined;

function single(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Reads the request's cache directives. `x-gateway-cache`:
 * - `no-cache`: the cache is neither read nor written (the answer says `BYPASS`);
 * - `no-store`: a stored answer may be served, a fresh one is not stored;
 * - `force-refresh`: the provider answers and its answer replaces the stored one (`REFRESH`).
 *
 * `Cache-Control` as HTTP caches read it on a request (RFC 9111): `no-cache` asks for a fresh answer,
 * which may be stored (as `force-refresh`); `no-store` forbids storing (as `no-store`); `max-age=N`
 * accepts only stored answers at most N seconds old (`max-age=0`: a fresh answer). Other directives are
 * ignored. When both headers are given, each restriction applies.
 */
export function readCacheDirective(headers: Record<string, HeaderValue>): CacheDirective {
  const directive: CacheDirective = { read: true, write: true };
  const gateway = single(headers[headerNames.cache])?.trim().toLowerCase();
  if (gateway !== undefined && gateway !== '') {
    if (gateway === 'no-cache') {
      directive.read = false;
      directive.write = false;
    } else if (gateway === 'no-store') directive.write = false;
    else if (gateway === 'force-refresh') directive.read = false;
    else {
      throw new GatewayError('invalid_request', `${headerNames.cache} must be one of ${cacheRequestValues.join(', ')}`, { param: headerNames.cache });
    }
  }
  const control = single(headers['cache-control']);
  if (control) {
    for (const part of control.split(',')) {
      const [rawName = '', rawValue] = part.split('=', 2);
      const name = rawName.trim().toLowerCase();
      if (name === 'no-cache') directive.read = false;
      else if (name === 'no-store') directive.write = false;
      else if (name === 'max-age') {
        const seconds = Number(rawValue?.trim().replace(/^"|"$/g, ''));
        if (!Number.isInteger(seconds) || seconds < 0) {
          throw new GatewayError('invalid_request', 'Cache-Control max-age must be a whole number of seconds', { param: 'cache-control' });
        }
        directive.maxAgeSeconds = Math.min(directive.maxAgeSeconds ?? Infinity, seconds);
        if (seconds === 0) directive.read = false;
      }
    }
  }
  return directive;
}
