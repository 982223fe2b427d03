import { GatewayError } from '@gateway/contracts';
import { Agent, type Dispatcher } from 'undici';
import { isTimeoutReason, timeoutReason } from '../abort.ts';
import type { ImageFetcher } from '../types.ts';
import { AddressRefusedError, guardedLookup, type AddressPolicy, type LookupFunction } from './guarded-lookup.ts';
import { ipLiteral, isPublicUnicastAddress } from './public-address.ts';

export interface ImageFetcherOptions {
  /** Largest image accepted, in bytes (default 20 MiB). */
  maxBytes?: number;
  /** Time for the whole fetch, redirects included, in ms (default 10 s). */
  timeoutMs?: number;
  /** Redirects followed at most (default 3); each hop is checked like the first URL. */
  maxRedirects?: number;
  /** How hostnames are resolved (default `dns.lookup`); tests inject their own answers. */
  lookup?: LookupFunction;
  /** Which addresses may be reached (default: public unicast only, see `isPublicUnicastAddress`). */
  isAllowedAddress?: AddressPolicy;
}

const mebibyte = 1024 * 1024;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * An image fetcher guarded against server-side request forgery: a request may name any URL, so the
 * gateway must not become a way into its own network. Only http(s) URLs without credentials; every
 * address a hostname resolves to must pass `isAllowedAddress`, and the socket connects only to the
 * addresses that were checked (see `guardedLookup`); IP literals are checked directly. Redirects are
 * followed by hand, each hop checked again. The answer must be a 2xx `image/*` no larger than
 * `maxBytes` (checked on `content-length` and again while reading), all within `timeoutMs`.
 *
 * Failures are invalid_request naming only the URL's host: never the address it resolved to, nor
 * anything else about the network behind the gateway. A caller's abort rethrows the caller's reason.
 *
 * Each fetcher has one undici Agent of its own (its connect carries the guarded lookup), kept for the
 * life of the process like the shared upstream dispatcher: fetchers are made once, not per request.
 */
export function createImageFetcher(options: ImageFetcherOptions = {}): ImageFetcher {
  const maxBytes = options.maxBytes ?? 20 * mebibyte;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRedirects = options.maxRedirects ?? 3;
  const isAllowed: AddressPolicy = options.isAllowedAddress ?? ((address) => isPublicUnicastAddress(address));
  const agent = new Agent({
    connections: 16,
    keepAliveTimeout: 4_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs, lookup: guardedLookup(isAllowed, options.lookup) },
  });

  return async (url, signal) => {
    const host = hostOf(url);
    signal?.throwIfAborted();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutReason(timeoutMs)), timeoutMs);
    const forwardAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forwardAbort, { once: true });
    try {
      return await fetchFollowingRedirects(agent, url, { host, maxBytes, maxRedirects, isAllowed, signal: controller.signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw publicFailure(error, host, controller.signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  };
}

/** The default fetcher adapters use for images given by URL. */
export const fetchImage: ImageFetcher = createImageFetcher();

interface FetchContext {
  /** The first URL's host, the only one named in errors. */
  host: string;
  maxBytes: number;
  maxRedirects: number;
  isAllowed: AddressPolicy;
  signal: AbortSignal;
}

/** A failure whose message is already safe to show (it names the first URL's host only). */
class ImageRefusal extends Error {}

async function fetchFollowingRedirects(
  agent: Dispatcher,
  firstUrl: string,
  context: FetchContext,
): Promise<{ mediaType: string; data: Buffer }> {
  let url = checkedUrl(firstUrl, context);
  for (let hop = 0; ; hop += 1) {
    const response = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { accept: 'image/png,image/jpeg,image/gif,image/webp,image/*;q=0.8' },
      signal: context.signal,
    });
    if (redirectStatuses.has(response.statusCode)) {
      discard(response.body);
      const location = headerValue(response.headers.location);
      if (location === undefined) throw new ImageRefusal(`the server at ${context.host} redirected without a location`);
      if (hop >= context.maxRedirects) throw new ImageRefusal(`the image at ${context.host} redirected too many times`);
      url = checkedUrl(new URL(location, url).href, context);
      continue;
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      discard(response.body);
      throw new ImageRefusal(`the server at ${context.host} answered ${response.statusCode}`);
    }
    const mediaType = (headerValue(response.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!/^image\/[a-z0-9.+-]+$/.test(mediaType)) {
      discard(response.body);
      throw new ImageRefusal(`the URL at ${context.host} is not an image (content type ${mediaType || 'missing'})`);
    }
    const declaredLength = Number(headerValue(response.headers['content-length']) ?? Number.NaN);
    if (declaredLength > context.maxBytes) {
      discard(response.body);
      throw tooLarge(context);
    }
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > context.maxBytes) {
        discard(response.body);
        throw tooLarge(context);
      }
      chunks.push(chunk);
    }
    return { mediaType, data: Buffer.concat(chunks, received) };
  }
}

/** Refuses URLs the fetcher never requests: another scheme, credentials, a refused IP literal. */
function checkedUrl(text: string, context: FetchContext): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ImageRefusal('the image URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImageRefusal(`the image URL for ${context.host} must be http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ImageRefusal(`the image URL for ${context.host} may not carry credentials`);
  }
  const literal = ipLiteral(url.hostname);
  if (literal && !context.isAllowed(literal.address, literal.family)) {
    throw new ImageRefusal(`the image at ${context.host} is on an address that may not be fetched`);
  }
  return url;
}

function tooLarge(context: FetchContext): ImageRefusal {
  return new ImageRefusal(`the image at ${context.host} is larger than ${formatBytes(context.maxBytes)}`);
}

function formatBytes(bytes: number): string {
  return bytes % mebibyte === 0 ? `${bytes / mebibyte} MiB` : `${bytes} bytes`;
}

/** The host a message may name; the URL itself may carry a token in its query. */
function hostOf(url: string): string {
  try {
    return new URL(url).host || 'the image URL';
  } catch {
    return 'the image URL';
  }
}

/** Stops reading a body we will not use; destroying it emits an abort error nobody needs to hear. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function publicFailure(error: unknown, host: string, signal: AbortSignal): GatewayError {
  const invalid = (message: string): GatewayError =>
    new GatewayError('invalid_request', `image_url could not be fetched: ${message}`, { param: 'messages', cause: error });
  if (error instanceof ImageRefusal) return invalid(error.message);
  if (signal.aborted && isTimeoutReason(signal.reason)) return invalid(`fetching the image at ${host} timed out`);
  if (causes(error).some((cause) => cause instanceof AddressRefusedError)) {
    return invalid(`the image at ${host} is on an address that may not be fetched`);
  }
  const code = causes(error)
    .map((cause) => (cause as { code?: unknown }).code)
    .find((value): value is string => typeof value === 'string');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return invalid(`the host ${host} could not be resolved`);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return invalid(`fetching the image at ${host} timed out`);
  }
  return invalid(`the image at ${host} could not be fetched`);
}

/** The error and its causes, a few levels deep. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}
