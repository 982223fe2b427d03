/**
 * The exact-cache key of a chat request (OpenAI's chat completions or Anthropic's messages): a tenant
 * scope, then a SHA-256 over a canonical JSON of the surface and everything in the request that can
 * change the answer or its form.
 *
 * The request is hashed minus a short list of fields known not to change the output, rather than plus a
 * list of known parameters: a parameter the gateway does not know yet (a provider's new option, passed
 * through by the loose schema) then splits the cache instead of serving an answer generated with other
 * settings. A needless miss costs money; a wrong hit serves a wrong answer.
 */
import { createHash } from 'node:crypto';

/** Request fields that change neither the answer nor its shape once replayed, so never in a key. */
export const FIELDS_OUTSIDE_THE_KEY: readonly string[] = [
  'user', // end-user id for abuse tracking
  'safety_identifier', // OpenAI's successor of `user`
  'metadata', // analytics tags (Anthropic's carries `user_id`, the same thing)
  'store', // whether OpenAI keeps the completion for its dashboard
  'prompt_cache_key', // a routing hint for the provider's own prompt cache
];

/**
 * The API surface a request came in on. Part of every key: the same words asked through OpenAI's and
 * Anthropic's API get answers of different shapes. `stream` and `stream_options` are in the key as any
 * other field: an answer is replayed in the form it was stored (one JSON body, or the SSE events as they
 * were sent), so a streamed answer serves only streaming requests with the same stream options.
 */
export type CacheSurface = 'openai' | 'anthropic';

/** A chat request of either surface, as its route parsed it. */
export type CacheableRequest = { readonly [field: string]: unknown };

/**
 * JSON with object keys sorted at every depth, `undefined` members dropped (as JSON.stringify does),
 * so that two requests that differ only in key order serialise identically. Arrays keep their order:
 * the order of messages, tools and stop sequences is meaningful.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // JSON.stringify(undefined) is undefined; inside arrays JSON turns it into null.
    return text ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const members = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${members.join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The scope as a key prefix. Percent-encoded (and `*` too, a glob character for Redis SCAN MATCH) so
 * that a scope never contains the `:` separator: the prefix of scope `team` is never a prefix of a key
 * of scope `team:x`, which a purge by scope relies on.
 */
export function encodeScope(scope: string): string {
  if (scope.length === 0) throw new Error('cache scope must not be empty');
  return encodeURIComponent(scope).replaceAll('*', '%2A');
}

/**
 * The top-level request members that go into a key. A `null` parameter means "the provider's default",
 * as an absent one does, so both are dropped and hash alike.
 */
export function outputChangingFields(request: CacheableRequest): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    if (value === null || value === undefined) continue;
    if (FIELDS_OUTSIDE_THE_KEY.includes(name)) continue;
    fields[name] = value;
  }
  return fields;
}

/**
 * `<encoded scope>:<64 hex digits>`. The scope is what the caller decides shares a cache: a key id, or
 * a team id when the keys of a team share one.
 */
export function exactCacheKey(scope: string, surface: CacheSurface, request: CacheableRequest): string {
  return `${encodeScope(scope)}:${sha256Hex(canonicalJson({ surface, request: outputChangingFields(request) }))}`;
}
