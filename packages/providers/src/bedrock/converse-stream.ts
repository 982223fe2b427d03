import type { Message } from '@smithy/eventstream-codec';
import { z } from 'zod';
import type { ChatCompletionChunk, ErrorCode } from '@gateway/contracts';
import { ProviderError, safeUpstreamMessage, upstreamErrorMessage, withheldUpstreamMessage } from '../errors.ts';
import { invalidAnswer, type UpstreamClient, type UpstreamResponse } from '../http.ts';
import type { FinishReason, StreamPart, Usage } from '../types.ts';
import { streamEndedEarly, streamEventJson, UpstreamBody } from '../upstream-body.ts';
import { EventStreamFrameError, EventStreamFrames, stringHeader } from './event-stream-frames.ts';
import { openAiFinishReason, toOpenAiUsage } from '../openai-shapes/index.ts';
import { structuredFinish, unifyFinishReason } from './finish-reason.ts';
import { converseUsageSchema, toUsage } from './usage.ts';

/** ConverseStream event bodies, checked loosely (Bedrock pads each with a `p` field, among others). */
const eventSchemas = {
  messageStart: z.looseObject({ role: z.string().optional() }),
  contentBlockStart: z.looseObject({
    contentBlockIndex: z.number().int(),
    start: z.looseObject({ toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).optional() }).optional(),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: z.number().int(),
    delta: z.looseObject({
      text: z.string().optional(),
      toolUse: z.looseObject({ input: z.string().optional() }).optional(),
      reasoningContent: z.looseObject({ text: z.string().optional() }).optional(),
    }),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: z.number().int().optional() }),
  messageStop: z.looseObject({ stopReason: z.string() }),
  metadata: z.looseObject({ usage: converseUsageSchema.optional() }),
} as const;

/** Each ConverseStream exception: the error it becomes and whether another attempt may succeed. */
const exceptionErrors: Record<string, { code: ErrorCode; retryable: boolean; what: string }> = {
  throttlingException: { code: 'rate_limited', retryable: true, what: 'is rate limiting the gateway' },
  serviceUnavailableException: { code: 'provider_unavailable', retryable: true, what: 'is unavailable' },
  internalServerException: { code: 'provider_error', retryable: true, what: 'failed' },
  modelStreamErrorException: { code: 'provider_error', retryable: true, what: 'failed while streaming' },
  modelTimeoutException: { code: 'provider_timeout', retryable: true, what: 'timed out' },
  validationException: { code: 'invalid_request', retryable: false, what: 'rejected the request' },
};

/** An exception (or error) message inside the stream: mapped by type, its words kept for logs only. */
function streamException(client: UpstreamClient, message: Message): ProviderError {
  const type = stringHeader(message, ':exception-type') ?? stringHeader(message, ':error-code') ?? 'unknown';
  const words = stringHeader(message, ':error-message') ?? upstreamErrorMessage(Buffer.from(message.body).toString('utf8'));
  const detail = safeUpstreamMessage(words, client.secrets);
  const known = exceptionErrors[type];
  const { code, retryable, what } = known ?? { code: 'provider_error' as const, retryable: false, what: 'failed' };
  return new ProviderError(code, `provider ${client.provider} ${what} mid-stream (${type.slice(0, 60)})`, {
    provider: client.provider,
    retryable,
    ...withheldUpstreamMessage(client.provider, detail),
  });
}

export interface ConverseStreamOptions {
  id: string;
  model: string;
  structuredOutputTool: string | undefined;
}

/**
 * Turns a ConverseStream body into OpenAI-shaped stream parts: a role chunk (messageStart), content,
 * reasoning and tool call deltas (one tool call index per toolUse block in order, id and name on its
 * first chunk, argument fragments after), a finish chunk (messageStop), the usage-only last chunk
 * (metadata), then the `finish` part. A body that ends before both messageStop and metadata arrived
 * throws a ProviderError from the iterator, as does an exception message.
 */
export async function* converseStreamParts(
  client: UpstreamClient,
  response: UpstreamResponse,
  signal: AbortSignal | undefined,
  options: ConverseStreamOptions,
): AsyncGenerator<StreamPart> {
  const body = new UpstreamBody(client, response, signal);
  const { statusCode } = body;
  const created = Math.floor(Date.now() / 1000);
  const completionChunk = (choices: ChatCompletionChunk['choices']): ChatCompletionChunk => ({
    id: options.id,
    object: 'chat.completion.chunk',
    created,
    model: options.model,
    choices,
  });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): StreamPart => ({
    type: 'chunk',
    chunk: completionChunk([{ index: 0, delta, logprobs: null, finish_reason: finishReason }] as ChatCompletionChunk['choices']),
  });

  const frames = new EventStreamFrames();
  /** Per toolUse content block: its tool call index, or 'structured' for the structured-output tool. */
  const toolBlocks = new Map<number, number | 'structured'>();
  let toolCalls = 0;
  let structuredUsed = false;
  let finishReason: FinishReason | null = null;
  let usage: Usage | null = null;

  const parse = <Name extends keyof typeof eventSchemas>(name: Name, message: Message): z.infer<(typeof eventSchemas)[Name]> => {
    const json = streamEventJson(client, statusCode, Buffer.from(message.body).toString('utf8'));
    const parsed = eventSchemas[name].safeParse(json);
    if (!parsed.success) throw invalidAnswer(client, statusCode, `a ${name} event of an unexpected shape`);
    return parsed.data as z.infer<(typeof eventSchemas)[Name]>;
  };

  for await (const bytes of body) {
    let messages: Message[];
    try {
      messages = frames.push(bytes);
    } catch (error) {
      if (error instanceof EventStreamFrameError) throw invalidAnswer(client, statusCode, 'a malformed event stream');
      throw error;
    }
    for (const message of messages) {
      const messageType = stringHeader(message, ':message-type');
      if (messageType === 'exception' || messageType === 'error') throw streamException(client, message);
      switch (stringHeader(message, ':event-type')) {
        case 'messageStart':
          parse('messageStart', message);
          yield chunk({ role: 'assistant', content: '' });
          break;
        case 'contentBlockStart': {
          const event = parse('contentBlockStart', message);
          const toolUse = event.start?.toolUse;
          if (!toolUse) break;
          if (toolUse.name === options.structuredOutputTool) {
            toolBlocks.set(event.contentBlockIndex, 'structured');
            structuredUsed = true;
            break;
          }
          const index = toolCalls;
          toolCalls += 1;
          toolBlocks.set(event.contentBlockIndex, index);
          yield chunk({
            tool_calls: [{ index, id: toolUse.toolUseId, type: 'function', function: { name: toolUse.name, arguments: '' } }],
          });
          break;
        }
        case 'contentBlockDelta': {
          const { delta, contentBlockIndex } = parse('contentBlockDelta', message);
          if (delta.text !== undefined) yield chunk({ content: delta.text });
          if (delta.reasoningContent?.text !== undefined) yield chunk({ reasoning_content: delta.reasoningContent.text });
          if (delta.toolUse?.input !== undefined) {
            const block = toolBlocks.get(contentBlockIndex);
            if (block === undefined) throw invalidAnswer(client, statusCode, 'a tool input for a tool that never started');
            if (block === 'structured') yield chunk({ content: delta.toolUse.input });
            else yield chunk({ tool_calls: [{ index: block, function: { arguments: delta.toolUse.input } }] });
          }
          break;
        }
        case 'messageStop': {
          const event = parse('messageStop', message);
          finishReason = structuredFinish(unifyFinishReason(event.stopReason), structuredUsed && toolCalls === 0);
          yield chunk({}, openAiFinishReason(finishReason));
          break;
        }
        case 'metadata': {
          const event = parse('metadata', message);
          usage = toUsage(event.usage ?? {});
          yield { type: 'chunk', chunk: { ...completionChunk([]), usage: toOpenAiUsage(usage) }, usageOnly: true };
          break;
        }
        default:
          // contentBlockStop, and events added after this was written: nothing to forward.
          break;
      }
    }
  }
  if (finishReason === null || usage === null || frames.pendingBytes > 0) throw streamEndedEarly(client);
  yield { type: 'finish', finishReason, usage };
}
