import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import {
  ProviderError,
  retryAfterMsFrom,
  safeUpstreamMessage,
  scrubSecrets,
  upstreamErrorMessage,
  type PassthroughTarget,
} from '@gateway/providers';
import { isClientHeader, providerRequestId } from './upstream-headers.ts';
import { errorCodeForUpstreamStatus, passesThrough } from './upstream-status.ts';

/** Error answers are short: one longer than this is not read to the end, and not passed on. */
export const maxErrorBodyBytes = 64 * 1024;

/** An error answer's bytes, or undefined when it is longer than `limit` or broke off. */
export async function readErrorBody(body: Readable, limit: number = maxErrorBodyBytes): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      length += bytes.length;
      // Leaving the loop destroys the stream: the rest is never read.
      if (length > limit) return undefined;
      chunks.push(bytes);
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}

/**
 * The values of the target's headers that are secrets: its credential and configured headers, also
 * without a `Bearer ` scheme. Protocol headers a client may send itself (`anthropic-version`) are none.
 */
export function targetSecrets(target: PassthroughTarget): string[] {
  return Object.entries(target.headers)
    .filter(([name]) => !isClientHeader(name.toLowerCase()))
    .flatMap(([, value]) => [value, value.replace(/^(?:Bearer|Basic)\s+/i, '')])
    .filter((value) => value.length >= 8);
}

/** Object keys whose string values are secrets, whatever they look like (`api_key`, `x-api-key`, `token`). */
const secretName = /(?:api[-_]?key|key|token|secret|password|passwd|authorization)$/i;

/**
 * A client-mistake answer as the client gets it: anything key-shaped scrubbed (`scrubSecrets`, in every
 * string of a JSON body, so that it stays JSON), except ids the client put in its own URL (a 404 naming
 * the file the client asked for should still name it).
 */
export function scrubbedErrorBody(body: Buffer, contentType: string, secrets: readonly string[], clientUrl: string): Buffer {
  const scrub = (text: string): string => scrubKeepingClientIds(text, secrets, clientUrl);
  const text = body.toString('utf8');
  if (/^[a-z]+\/(?:[a-z0-9.+-]+\+)?json\b/i.test(contentType)) {
    try {
      return Buffer.from(JSON.stringify(scrubValue(JSON.parse(text) as unknown, scrub)));
    } catch {
      // Not JSON after all: scrubbed as text.
    }
  }
  return Buffer.from(scrub(text));
}

/** Key-shaped text scrubbed, but what the client itself put in its URL (its own ids) kept. */
function scrubKeepingClientIds(text: string, secrets: readonly string[], clientUrl: string): string {
  return scrubSecrets(text, secrets, (value) => clientUrl.includes(value));
}

function scrubValue(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => [name, typeof item === 'string' && secretName.test(name) ? '[redacted]' : scrubValue(item, scrub)]),
  );
}

/**
 * The gateway's error in place of a withheld answer. Its public message names the provider and the
 * status only; the provider's own message, scrubbed and cut short, and its request id go to `cause`,
 * which the root error handler logs.
 */
export function withheldAnswerError(
  provider: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: Buffer | undefined,
  secrets: readonly string[],
): ProviderError {
  const code = errorCodeForUpstreamStatus(status);
  const said = upstreamMessageOf(body, secrets);
  const id = providerRequestId(headers);
  const retryAfterMs = retryAfterMsFrom(headers);
  return new ProviderError(code, publicMessage(provider, status, code), {
    provider,
    upstreamStatus: status,
    retryable: status >= 500 || status === 408 || status === 429,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(said === undefined ? {} : { upstreamMessage: said }),
    cause: new Error(`provider ${provider} answered ${status}${id ? ` (its request ${id})` : ''}${said ? `: ${said}` : ''}`),
  });
}

function publicMessage(provider: string, status: number, code: string): string {
  if (status === 401 || status === 403) return `provider ${provider} rejected the gateway's credentials (${status})`;
  if (code === 'provider_timeout') return `provider ${provider} timed out (${status})`;
  if (code === 'provider_unavailable') return `provider ${provider} is unavailable (${status})`;
  if (status >= 500) return `provider ${provider} failed (${status})`;
  if (passesThrough(status)) return `provider ${provider} answered with status ${status}, in an answer the gateway could not pass on`;
  return `provider ${provider} answered with status ${status}`;
}

/** The provider's message in an error body, else its whole text (a proxy's HTML page), scrubbed and cut short: for logs. */
function upstreamMessageOf(body: Buffer | undefined, secrets: readonly string[]): string | undefined {
  if (!body || body.length === 0) return undefined;
  const text = body.toString('utf8');
  return safeUpstreamMessage(upstreamErrorMessage(text) ?? text, secrets);
}
