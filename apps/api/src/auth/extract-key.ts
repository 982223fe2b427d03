import type { IncomingHttpHeaders } from 'node:http';

/** The gateway key from `Authorization: Bearer <key>` (OpenAI SDK) or `x-api-key` (Anthropic SDK). */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key'];
  const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;
  return value?.trim() || undefined;
}
