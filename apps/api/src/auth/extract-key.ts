import type { IncomingHttpHeaders } from 'node:http';

/**
 * The gateway key from `Authorization: Bearer <key>` (OpenAI SDK), `x-api-key` (Anthropic SDK) or
 * `x-goog-api-key` (Google's SDKs, on `/passthrough/<gemini provider>/…`).
 */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  for (const name of ['x-api-key', 'x-goog-api-key'] as const) {
    const sent = headers[name];
    const value = (Array.isArray(sent) ? sent[0] : sent)?.trim();
    if (value) return value;
  }
  return undefined;
}
