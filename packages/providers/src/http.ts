import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { sharedDispatcher } from './dispatcher.ts';
import {
  ProviderError,
  providerErrorFromException,
  providerErrorFromStatus,
  settingsSecrets,
  type UpstreamFailureContext,
} from './errors.ts';
import type { AdapterOptions, ProviderSettings } from './types.ts';

/** What an adapter needs to call its upstream and to report failures safely. */
export interface UpstreamClient extends UpstreamFailureContext {
  dispatcher: Dispatcher;
}

/**
 * An adapter's client: the injected dispatcher (tests, proxies) or the shared one, and the settings'
 * secrets to keep out of messages (plus any the adapter holds besides, such as AWS keys).
 */
export function upstreamClient(
  settings: ProviderSettings,
  options: AdapterOptions,
  secrets: readonly string[] = settingsSecrets(settings),
): UpstreamClient {
  return { provider: settings.name, dispatcher: options.dispatcher ?? sharedDispatcher(), secrets };
}

/** A 2xx answer whose body (a Node Readable, undici's BodyReadable) is still unread. */
export type UpstreamResponse = Dispatcher.ResponseData;

/** A path (and query) that `URL` passes through unchanged: nothing to percent-encode, no backslash, no fragment. */
const plainPath = /^[\w\-.~!$&()*+,;=:@%/]*(?:\?[\w\-.~!$&()*+,;=:@%/?]+)?$/;
/** A `.` or `..` segment (also percent-encoded), which `URL` would resolve away. */
const dotSegment = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i;

/**
 * `https://host:port/a/b?c` → origin and path (with the query), without the cost of `new URL` on every
 * call. URLs with credentials, without a path or with a path `URL` would rewrite go through `URL`, so
 * the path sent is always the one `URL` gives (the one a request signature covers).
 */
function splitUrl(url: string): { origin: string; path: string } {
  const hostStart = url.indexOf('://');
  const pathStart = hostStart < 0 ? -1 : url.indexOf('/', hostStart + 3);
  const path = pathStart < 0 ? '' : url.slice(pathStart);
  const plain = pathStart > 0 && !/[@?#\\]/.test(url.slice(hostStart + 3, pathStart)) && plainPath.test(path) && !dotSegment.test(path);
  if (!plain) {
    const parsed = new URL(url);
    return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
  }
  return { origin: url.slice(0, pathStart), path };
}

export interface PostOptions {
  /**
   * The status a failed answer is mapped as, from its body: for a provider whose status misleads (Google
   * answers a wrong API key with 400). Without it, the answer's own status.
   */
  failureStatus?: (status: number, bodyText: string) => number;
}

/**
 * POSTs an already serialised body (for a signed request, the bytes that were signed) through the
 * client's dispatcher; resolves with a 2xx response (body unread), throws a mapped ProviderError
 * otherwise. An abort of `signal` rejects the call, or destroys the body with the signal's reason once
 * the headers are in.
 */
export async function postBody(
  client: UpstreamClient,
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
  options: PostOptions = {},
): Promise<UpstreamResponse> {
  const { origin, path } = splitUrl(url);
  let response: UpstreamResponse;
  try {
    response = await client.dispatcher.request({ origin, path, method: 'POST', headers, body, signal: signal ?? null });
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'connect');
  }
  if (response.statusCode >= 200 && response.statusCode <= 299) return response;
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'read');
  }
  const status = options.failureStatus?.(response.statusCode, text) ?? response.statusCode;
  throw providerErrorFromStatus(client, status, response.headers, text);
}

/** `postBody` with `body` serialised as JSON. */
export function postJson(
  client: UpstreamClient,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal | undefined,
  options: PostOptions = {},
): Promise<UpstreamResponse> {
  return postBody(client, url, headers, JSON.stringify(body), signal, options);
}

/** Reads a JSON body and checks it against a (tolerant) schema of what the provider answers. */
export async function readJson<Schema extends z.ZodType>(
  client: UpstreamClient,
  response: UpstreamResponse,
  schema: Schema,
  signal: AbortSignal | undefined,
): Promise<z.infer<Schema>> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'read');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidAnswer(client, response.statusCode, 'invalid JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidAnswer(client, response.statusCode, 'a body of an unexpected shape');
  return parsed.data;
}

export function invalidAnswer(client: UpstreamClient, status: number | undefined, what: string): ProviderError {
  return new ProviderError('provider_error', `provider ${client.provider} answered with ${what}`, {
    provider: client.provider,
    retryable: true,
    ...(status === undefined ? {} : { upstreamStatus: status }),
  });
}
