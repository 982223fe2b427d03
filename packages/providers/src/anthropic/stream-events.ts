import type { ErrorCode } from '@gateway/contracts';
import { ProviderError, safeUpstreamMessage, upstreamErrorMessage, withheldUpstreamMessage } from '../errors.ts';
import { invalidAnswer, type UpstreamClient, type UpstreamResponse } from '../http.ts';
import { serverSentEvents, streamEndedEarly, streamEventJson, UpstreamBody } from '../upstream-body.ts';

/** One server-sent event of Anthropic's stream: its `event:` name and its JSON `data`. */
export interface UpstreamEvent {
  event: string;
  data: { type: string; [field: string]: unknown };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Anthropic's `error` event (`{type:'error', error:{type, message}}`): the provider failed while
 * answering, so its words go to logs only. An overloaded or internal error may succeed elsewhere: it
 * is marked retryable, which the executor honours only while the stream has produced no part.
 */
export function streamError(client: UpstreamClient, data: string): ProviderError {
  const detail = safeUpstreamMessage(upstreamErrorMessage(data), client.secrets);
  let type: unknown;
  try {
    const parsed: unknown = JSON.parse(data);
    type = isRecord(parsed) && isRecord(parsed.error) ? parsed.error.type : undefined;
  } catch {
    type = undefined;
  }
  const byType: Record<string, { code: ErrorCode; retryable: boolean }> = {
    overloaded_error: { code: 'provider_unavailable', retryable: true },
    api_error: { code: 'provider_error', retryable: true },
    rate_limit_error: { code: 'rate_limited', retryable: true },
    timeout_error: { code: 'provider_timeout', retryable: true },
  };
  const { code, retryable } = (typeof type === 'string' ? byType[type] : undefined) ?? { code: 'provider_error', retryable: false };
  const named = typeof type === 'string' && /^[a-z_]{1,40}$/.test(type) ? ` (${type})` : '';
  return new ProviderError(code, `provider ${client.provider} reported an error mid-stream${named}`, {
    provider: client.provider,
    retryable,
    ...withheldUpstreamMessage(client.provider, detail),
  });
}

/**
 * Reads Anthropic's SSE body into events (JSON parsed, `error` events thrown as ProviderError). Ends
 * after `message_stop`, reading what little follows in the background so the connection is kept
 * alive; a body that ends without `message_stop` throws. Stopping the iteration early destroys the
 * body (and its connection): see UpstreamBody.
 */
export async function* upstreamEvents(
  client: UpstreamClient,
  response: UpstreamResponse,
  signal: AbortSignal | undefined,
): AsyncGenerator<UpstreamEvent> {
  const body = new UpstreamBody(client, response, signal);
  const { statusCode } = body;
  for await (const message of serverSentEvents(body)) {
    if (message.event === 'error') throw streamError(client, message.data);
    const data = streamEventJson(client, statusCode, message.data);
    if (!isRecord(data) || typeof data.type !== 'string') {
      throw invalidAnswer(client, statusCode, 'a stream event of an unexpected shape');
    }
    // A stream event without an `event:` line is named by its data's type, as the SDKs read it.
    const event: UpstreamEvent = { event: message.event ?? data.type, data: data as UpstreamEvent['data'] };
    if (data.type === 'error') throw streamError(client, message.data);
    if (data.type === 'message_stop') {
      body.complete();
      yield event;
      return;
    }
    yield event;
  }
  throw streamEndedEarly(client);
}
