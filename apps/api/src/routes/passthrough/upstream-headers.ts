import type { IncomingHttpHeaders } from 'node:http';

/** Headers that carry the client's credentials: the gateway key, which must never reach a provider. */
const clientCredentialHeaders = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'cookie']);

/**
 * The headers of a pass-through call: the client's, without its credentials, the gateway's own
 * `x-gateway-*` headers and `accept-encoding` (answers come uncompressed so their usage can be read),
 * then the provider's headers (its credential, version headers), which win, and our request id.
 * Hop-by-hop headers are left to reply-from, which drops them.
 */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  target: Record<string, string>,
  requestId: string,
): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(client)) {
    const lower = name.toLowerCase();
    if (value === undefined || clientCredentialHeaders.has(lower) || lower.startsWith('x-gateway-') || lower === 'accept-encoding') continue;
    headers[lower] = value;
  }
  for (const [name, value] of Object.entries(target)) headers[name.toLowerCase()] = value;
  headers['x-request-id'] = requestId;
  return headers;
}

/**
 * The provider's answer headers as the client gets them: without cookies (set for the gateway's
 * connection, not the client's) and without the provider's `x-request-id`, so the gateway's stays.
 */
export function clientResponseHeaders(upstream: IncomingHttpHeaders | Headers): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    const lower = name.toLowerCase();
    if (lower === 'set-cookie' || lower === 'x-request-id') continue;
    headers[lower] = value;
  }
  return headers;
}
