import { createHash } from 'node:crypto';
import { headerNames } from '@gateway/contracts';

/**
 * The request headers that change the answer, and so are part of the request for an Idempotency-Key:
 * the gateway's steering headers and Anthropic's beta features. Authentication, request ids, trace
 * context and the Idempotency-Key itself are not.
 */
export const fingerprintHeaders = [
  headerNames.config,
  headerNames.strict,
  headerNames.metadata,
  headerNames.timeoutMs,
  'anthropic-beta',
] as const;

type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * What makes two requests "the same" for an Idempotency-Key: the method, the path, the body, with
 * object keys sorted (a client that sends the same parameters in another order sends the same request),
 * and the values of `fingerprintHeaders` as sent (a header sent several times counts as its values
 * joined by `, `). A request with none of those headers has the fingerprint it had before they counted.
 */
export function requestFingerprint(method: string, path: string, body: unknown, headers: IncomingHeaders = {}): string {
  const sent: Record<string, string> = {};
  for (const name of fingerprintHeaders) {
    const value = headers[name];
    if (value !== undefined) sent[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const headerPart = Object.keys(sent).length > 0 ? `\n${canonicalJson(sent)}` : '';
  return createHash('sha256').update(`${method} ${path}${headerPart}\n${canonicalJson(body)}`).digest('hex');
}

/** JSON with object keys in sorted order at every depth; `undefined` members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const members = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${members.join(',')}}`;
}
