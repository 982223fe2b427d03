import { TextDecoderStream } from 'node:stream/web';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { z } from 'zod';
import type { ChatCompletionChunk } from '@gateway/contracts';
import {
  ProviderError,
  providerErrorFromException,
  safeUpstreamMessage,
  upstreamErrorMessage,
  withheldUpstreamMessage,
} from '../errors.ts';
import { invalidAnswer, type UpstreamClient } from '../http.ts';
import type { StreamPart, Usage } from '../types.ts';
import { unifyFinishReason } from './finish-reason.ts';
import { toUsage, usageSchema } from './usage.ts';

/** One SSE event's JSON, checked loosely: the chunk itself is passed on as it came. */
const upstreamChunkSchema = z.looseObject({
  choices: z
    .array(z.looseObject({ index: z.number().int().optional(), finish_reason: z.string().nullable().optional() }))
    .optional(),
  usage: usageSchema.nullable().optional(),
  // Groq has reported stream usage here rather than in `usage`.
  x_groq: z.looseObject({ usage: usageSchema.optional() }).optional(),
  error: z.unknown().optional(),
});

/** An error event inside a stream: the provider failed while answering, so its words go to logs only. */
function streamError(client: UpstreamClient, data: string): ProviderError {
  const detail = safeUpstreamMessage(upstreamErrorMessage(data), client.secrets);
  return new ProviderError('provider_error', `provider ${client.provider} reported an error mid-stream`, {
    provider: client.provider,
    retryable: false,
    ...withheldUpstreamMessage(client.provider, detail),
  });
}

/**
 * Turns an OpenAI-protocol SSE body into stream parts: every `data:` event becomes a `chunk` part
 * (passed on as the upstream sent it), the usage-only last chunk (empty `choices`, `usage` set) is
 * marked `usageOnly`, and a final `finish` part carries the finish reason of choice 0 and the usage.
 * A connection that breaks, or a stream that ends with neither `[DONE]` nor a finish reason, throws a
 * ProviderError from the iterator. Stopping the iteration early cancels the upstream body.
 */
export async function* chatStreamParts(
  client: UpstreamClient,
  response: Response,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamPart> {
  if (!response.body) throw invalidAnswer(client, response.status, 'an empty stream');
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  let finishRaw: string | null = null;
  let usage: Usage | null = null;
  let done = false;
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        throw providerErrorFromException(client, error, signal, 'read');
      }
      if (next.done) break;
      const event = next.value;
      if (event.data === '[DONE]') {
        done = true;
        break;
      }
      if (event.event === 'error') throw streamError(client, event.data);
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        throw invalidAnswer(client, response.status, 'a stream event that is not JSON');
      }
      const parsed = upstreamChunkSchema.safeParse(json);
      if (!parsed.success) throw invalidAnswer(client, response.status, 'a stream event of an unexpected shape');
      const chunk = parsed.data;
      if (chunk.error !== undefined && chunk.error !== null) throw streamError(client, event.data);
      const choices = chunk.choices ?? [];
      for (const choice of choices) {
        if (choice.finish_reason && (finishRaw === null || (choice.index ?? 0) === 0)) finishRaw = choice.finish_reason;
      }
      const chunkUsage = chunk.usage ?? chunk.x_groq?.usage;
      if (chunkUsage) usage = toUsage(chunkUsage);
      const part: StreamPart = { type: 'chunk', chunk: { ...chunk, choices } as unknown as ChatCompletionChunk };
      if (choices.length === 0 && chunk.usage) part.usageOnly = true;
      yield part;
    }
    if (!done && finishRaw === null) {
      throw new ProviderError('provider_error', `the stream from provider ${client.provider} ended before it finished`, {
        provider: client.provider,
        retryable: false,
      });
    }
    yield { type: 'finish', finishReason: unifyFinishReason(finishRaw), usage };
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
