import type { AnthropicMessage, AnthropicStreamEvent } from '@gateway/contracts';
import { postJson, readJson, type UpstreamClient } from '../http.ts';
import type { CountTokensCall, MessagesCall, MessagesResult, MessagesStreamPart, MessagesStreamResult } from '../types.ts';
import type { AnthropicApi } from './api.ts';
import { unifyStopReason } from './finish-reason.ts';
import { upstreamCountTokensSchema, upstreamMessageSchema } from './message-schema.ts';
import { upstreamEvents } from './stream-events.ts';
import { mergeUsage, toUsage, upstreamUsageSchema, type UpstreamUsage } from './usage.ts';

/**
 * The Anthropic protocol spoken natively: the client's request goes upstream with only `model` (and
 * `stream`) set, and the answer comes back as Anthropic sent it. No warnings: nothing is translated.
 */

export async function nativeMessages(client: UpstreamClient, api: AnthropicApi, call: MessagesCall): Promise<MessagesResult> {
  const body = { ...call.request, model: call.model, stream: false };
  const response = await postJson(client, api.messagesUrl, api.headers({ stream: false }), body, call.signal);
  const upstream = await readJson(client, response, upstreamMessageSchema, call.signal);
  return {
    response: upstream as AnthropicMessage,
    usage: toUsage(upstream.usage),
    finishReason: unifyStopReason(upstream.stop_reason),
    warnings: [],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function usageOf(value: unknown): UpstreamUsage {
  const parsed = upstreamUsageSchema.safeParse(value);
  return parsed.success ? parsed.data : {};
}

export async function nativeMessagesStream(
  client: UpstreamClient,
  api: AnthropicApi,
  call: MessagesCall,
): Promise<MessagesStreamResult> {
  const body = { ...call.request, model: call.model, stream: true };
  const response = await postJson(client, api.messagesUrl, api.headers({ stream: true }), body, call.signal);
  return { parts: messagesStreamParts(client, response, call.signal), warnings: [] };
}

/**
 * Every event passed on unchanged; usage from `message_start` (input) and `message_delta` (output).
 * `message_start` (and any `ping` after it) is held back until the first other event, so an `error`
 * event right after it (e.g. overloaded) fails the stream before its first part, while the executor
 * may still try another target. As in chat-stream.ts.
 */
async function* messagesStreamParts(
  client: UpstreamClient,
  response: Parameters<typeof upstreamEvents>[1],
  signal: AbortSignal | undefined,
): AsyncGenerator<MessagesStreamPart> {
  let usage: UpstreamUsage | null = null;
  let stopReason: string | null = null;
  const heldBack: MessagesStreamPart[] = [];
  let started = false;
  for await (const event of upstreamEvents(client, response, signal)) {
    const { data } = event;
    if (data.type === 'message_start' && isRecord(data.message)) usage = mergeUsage(usage ?? {}, usageOf(data.message.usage));
    if (data.type === 'message_delta') {
      usage = mergeUsage(usage ?? {}, usageOf(data.usage));
      if (isRecord(data.delta) && typeof data.delta.stop_reason === 'string') stopReason = data.delta.stop_reason;
    }
    const part: MessagesStreamPart = { type: 'event', event: event satisfies AnthropicStreamEvent };
    if (!started && (data.type === 'message_start' || data.type === 'ping')) {
      heldBack.push(part);
      continue;
    }
    started = true;
    yield* heldBack.splice(0);
    yield part;
  }
  yield* heldBack.splice(0);
  yield { type: 'finish', finishReason: unifyStopReason(stopReason), usage: usage === null ? null : toUsage(usage) };
}

export async function nativeCountTokens(
  client: UpstreamClient,
  api: AnthropicApi,
  call: CountTokensCall,
): Promise<{ inputTokens: number }> {
  const body = { ...call.request, model: call.model };
  const response = await postJson(client, api.countTokensUrl, api.headers({ stream: false }), body, call.signal);
  const upstream = await readJson(client, response, upstreamCountTokensSchema, call.signal);
  return { inputTokens: upstream.input_tokens };
}
