/**
 * An absolute URL on the host the browser used (behind Kong or an ingress: the forwarded host and
 * protocol), for redirects. Next.js needs absolute Location headers, and its own idea of the request
 * URL is this server's address, which a browser behind a proxy cannot reach.
 */
export function publicUrl(path: string, headers: Headers, fallback: string): URL {
  const first = (value: string | null) => value?.split(',')[0]?.trim() || undefined;
  const host = first(headers.get('x-forwarded-host')) ?? first(headers.get('host'));
  const protocol = first(headers.get('x-forwarded-proto')) ?? new URL(fallback).protocol.replace(':', '');
  if (!host || !/^[\w.-]+(:\d+)?$|^\[[\da-f:.]+\](:\d+)?$/i.test(host) || (protocol !== 'http' && protocol !== 'https')) return new URL(path, fallback);
  return new URL(path, `${protocol}://${host}`);
}
