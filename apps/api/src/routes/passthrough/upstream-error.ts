import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { ProviderError, scrubSecrets, type PassthroughTarget } from '@gateway/providers';
import { isClientHeader, providerRequestId } from './upstream-headers.ts';
import { errorCodeForUpstreamStatus, passesThrough } from './upstream-status.ts';

/** Error answers are short: one longer than this is not read to the end, and not passed on. */
export const maxErrorBodyBytes = 64 * 1024;

const maxLoggedMessageLength = 300;

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

/** Runs of characters that are ids or keys: those the client itself sent are not redacted. */
const idLike = /[A-Za-z0-9_-]{16,}/g;

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

function scrubKeepingClientIds(text: string, secrets: readonly string[], clientUrl: string): string {
  let scrubbed = text;
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join('[redacted]');
  const kept: string[] = [];
  const masked = scrubbed.replace(idLike, (id) => {
    if (!clientUrl.includes(id)) return id;
    kept.push(id);
    return `\u0000${kept.length - 1}\u0000`;
  });
  return scrubSecrets(masked).replace(/\u0000(\d+)\u0000/g, (_placeholder, index: string) => kept[Number(index)] ?? '');
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
  const retryAfterMs = retryAfterMsOf(headers);
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

/** The provider's message in an error body (`error.message`, `error`, `message`, `detail`), scrubbed and cut short; else the scrubbed text. */
function upstreamMessageOf(body: Buffer | undefined, secrets: readonly string[]): string | undefined {
  if (!body || body.length === 0) return undefined;
  const text = body.toString('utf8');
  let message = text;
  try {
    message = messageIn(JSON.parse(text) as unknown) ?? text;
  } catch {
    // Not JSON (a proxy's HTML page): its text, scrubbed.
  }
  const scrubbed = scrubSecrets(message.slice(0, 4000), secrets).replace(/\s+/g, ' ').trim();
  if (scrubbed === '') return undefined;
  return scrubbed.length > maxLoggedMessageLength ? `${scrubbed.slice(0, maxLoggedMessageLength - 1)}…` : scrubbed;
}

function messageIn(body: unknown): string | undefined {
  if (Array.isArray(body)) return messageIn(body[0]);
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message, detail } = body as { error?: unknown; message?: unknown; detail?: unknown };
  if (typeof error === 'object' && error !== null) {
    const inner = (error as { message?: unknown }).message;
    if (typeof inner === 'string') return inner;
  }
  for (const candidate of [error, message, detail]) if (typeof candidate === 'string') return candidate;
  return undefined;
}

/** `retry-after-ms` (OpenAI), else `Retry-After` in seconds or as an HTTP date. */
function retryAfterMsOf(headers: IncomingHttpHeaders, now: number = Date.now()): number | undefined {
  const milliseconds = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);
  const retryAfter = headers['retry-after'];
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
