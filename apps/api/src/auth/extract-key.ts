import type { IncomingHttpHeaders } from 'node:http';

/**
 * The gateway key from `Authorization: Bearer <key>` (OpenAI SDK) or `x-api-key` (Anthropic SDK), and
 * on `/passthrough/…` paths also from `x-goog-api-key`, where Google's SDKs put it. Elsewhere that
 * header is not a key: no client of the OpenAI or Anthropic surfaces sends one, so a key found there
 * could only have come from a client meant for somewhere else. Without a path (the admin API's master
 * key) it is never read.
 */
export function extractApiKey(headers: IncomingHttpHeaders, path?: string): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const names = path?.startsWith('/passthrough/') ? (['x-api-key', 'x-goog-api-key'] as const) : (['x-api-key'] as const);
  for (const name of names) {
    const sent = headers[name];
    const value = (Array.isArray(sent) ? sent[0] : sent)?.trim();
    if (value) return value;
  }
  return undefined;
}
