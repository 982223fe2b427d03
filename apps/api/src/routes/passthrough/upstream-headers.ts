import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client headers a pass-through call forwards: what describes the body and the answer wanted, and
 * the providers' own protocol headers. Everything else stays with the gateway: credentials
 * (`authorization`, `x-api-key`, `x-goog-api-key`, `api-key`, `cookie`), the client's addresses
 * (`x-forwarded-for`, `forwarded`, `x-real-ip`), headers that choose the operator's account
 * (`openai-organization`, `openai-project`, `x-goog-user-project`), the gateway's own `x-gateway-*`, and
 * `accept-encoding` (answers come uncompressed so their usage can be read). Hop-by-hop headers and
 * `host` are undici's to set.
 */
const forwardedRequestHeaders = new Set([
  'accept',
  'accept-language',
  'content-type',
  'content-length',
  // The body goes upstream as received, so its encoding must go with it.
  'content-encoding',
  'user-agent',
  'idempotency-key',
  'openai-beta',
  'anthropic-version',
  'anthropic-beta',
]);

/** Gemini's headers (`x-goog-api-client`, the resumable upload protocol's `x-goog-upload-*`), but not these. */
const withheldGoogleHeaders = new Set(['x-goog-api-key', 'x-goog-user-project']);

/** Whether a client header (lower-case name) is one a pass-through call forwards. */
export function isClientHeader(name: string): boolean {
  if (forwardedRequestHeaders.has(name)) return true;
  return name.startsWith('x-goog-') && !withheldGoogleHeaders.has(name);
}

/**
 * The headers of a pass-through call: the client's that are on the allow-list above, then the
 * provider's (its credential, version headers), which win, and the gateway's request id.
 */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  target: Record<string, string>,
  requestId: string,
): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(client)) {
    const lower = name.toLowerCase();
    if (value !== undefined && isClientHeader(lower)) headers[lower] = value;
  }
  for (const [name, value] of Object.entries(target)) headers[name.toLowerCase()] = value;
  headers['x-request-id'] = requestId;
  return headers;
}

/**
 * Answer headers the client never sees: cookies (set for the gateway's connection, not the client's);
 * the operator's organisation and project at the provider; the provider's own request ids (the
 * gateway's `x-request-id` and `x-gateway-request-id` identify the call; the provider's is logged when
 * it failed); and `x-gateway-*`, which only the gateway sets.
 */
const withheldResponseHeaders = new Set([
  'set-cookie',
  'openai-organization',
  'openai-project',
  'anthropic-organization-id',
  'x-request-id',
  'request-id',
  'apim-request-id',
  'x-ms-request-id',
  'cf-ray',
]);

/** The provider's answer headers as the client gets them (see `withheldResponseHeaders`). */
export function clientResponseHeaders(upstream: IncomingHttpHeaders): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    const lower = name.toLowerCase();
    if (withheldResponseHeaders.has(lower) || lower.startsWith('x-gateway-')) continue;
    headers[lower] = value;
  }
  return headers;
}

/** The provider's id for the call, from the headers OpenAI-style providers, Anthropic and Azure use. */
export function providerRequestId(upstream: IncomingHttpHeaders): string | undefined {
  for (const name of ['x-request-id', 'request-id', 'apim-request-id', 'x-ms-request-id']) {
    const value = upstream[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first) return first.slice(0, 128);
  }
  return undefined;
}
