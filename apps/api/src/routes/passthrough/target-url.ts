import { GatewayError } from '@gateway/contracts';

/**
 * The upstream URL of a pass-through call: the provider's base URL, then the rest of the path as the
 * client sent it, then its query without `key` (a Google client may put a key there; the target's
 * credential is the only one that goes upstream).
 *
 * The client chooses a path under the base, never another host or a path above it. The raw path is
 * refused when, decoded (up to three times, for upstreams that decode again), any segment is `.` or
 * `..`, a segment is empty (`//`, which could turn into a scheme-relative URL), or it holds a backslash
 * or a control character; then the final URL must still have the base's origin and lie under its path.
 */
export function passthroughUrl(baseUrl: string, rawRest: string, rawQuery: string): URL {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  if (rawRest !== '' && !rawRest.startsWith('/')) throw refused();
  const segments = rawRest === '' ? [] : rawRest.slice(1).split('/');
  segments.forEach((segment, index) => {
    // A trailing slash leaves one empty last segment, which some endpoints expect; any other is refused.
    if (segment === '') {
      if (index !== segments.length - 1) throw refused();
      return;
    }
    for (const decoded of decodings(segment)) {
      if (/[\\\u0000-\u001f\u007f]/.test(decoded)) throw refused();
      if (decoded.split('/').some((piece) => piece === '' || piece === '.' || piece === '..')) throw refused();
    }
  });
  const target = new URL(`${basePath}${rawRest}`, base.origin);
  if (target.origin !== base.origin) throw refused();
  if (target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`)) throw refused();
  target.search = withoutKey(rawQuery);
  return target;
}

/** The segment and its successive percent-decodings, until they stop changing (at most three). */
function decodings(segment: string): string[] {
  const forms = [segment];
  let current = segment;
  for (let round = 0; round < 3; round += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw refused();
    }
    if (next === current) break;
    forms.push(next);
    current = next;
  }
  return forms;
}

function withoutKey(rawQuery: string): string {
  if (rawQuery === '') return '';
  const kept = rawQuery.split('&').filter((pair) => pair !== '' && decodeQueryName(pair.split('=')[0] ?? '') !== 'key');
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

function decodeQueryName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
}

function refused(): GatewayError {
  return new GatewayError(
    'invalid_request',
    'The pass-through path must stay under the provider\'s base URL: no "." or ".." segments, empty segments, backslashes or encoded ones',
    { param: 'path' },
  );
}
