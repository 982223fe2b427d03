import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { z } from 'zod';
import type { ChatCompletionChunk } from '@gateway/contracts';
import {
  ProviderError,
  providerErrorFromException,
  safeUpstreamMessage,
  upstreamErrorMessage,
  withheldUpstreamMessage,
} from '../errors.ts';
import { invalidAnswer, type UpstreamClient, type UpstreamResponse } from '../http.ts';
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
 * ProviderError from the iterator. Stopping the iteration early destroys the upstream body (and with
 * it the connection, which undici then replaces).
 *
 * The body is read as a Node stream (its async iterator), decoded as UTF-8 with a StringDecoder (so a
 * character split across chunks stays whole) and fed to the SSE parser: no web streams.
 */
export async function* chatStreamParts(
  client: UpstreamClient,
  response: UpstreamResponse,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamPart> {
  const { body, statusCode } = response;
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  let finishRaw: string | null = null;
  let usage: Usage | null = null;
  let done = false;
  let ended = false;
  // Decoded here rather than with `setEncoding`, which undici's BodyReadable does not honour.
  const decoder = new StringDecoder('utf8');
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    reading: for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw providerErrorFromException(client, error, signal, 'read');
      }
      if (next.done) {
        // An event not closed by a blank line is incomplete: it is dropped, as the SSE spec says.
        ended = true;
        break;
      }
      parser.feed(decoder.write(next.value));
      for (let index = 0; index < events.length; index += 1) {
        const event = events[index] as EventSourceMessage;
        if (event.data === '[DONE]') {
          done = true;
          break reading;
        }
        if (event.event === 'error') throw streamError(client, event.data);
        let json: unknown;
        try {
          json = JSON.parse(event.data);
        } catch {
          throw invalidAnswer(client, statusCode, 'a stream event that is not JSON');
        }
        const parsed = upstreamChunkSchema.safeParse(json);
        if (!parsed.success) throw invalidAnswer(client, statusCode, 'a stream event of an unexpected shape');
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
      events.length = 0;
    }
    if (!done && finishRaw === null) {
      throw new ProviderError('provider_error', `the stream from provider ${client.provider} ended before it finished`, {
        provider: client.provider,
        retryable: false,
      });
    }
    yield { type: 'finish', finishReason: unifyFinishReason(finishRaw), usage };
  } finally {
    if (!ended && !body.destroyed) {
      // After [DONE] only the end of the body should follow: read it so the connection is kept
      // alive. After an early stop or a failure the rest is not wanted: drop it with the connection.
      if (done) drainRest(chunks, body);
      else body.destroy();
    }
  }
}

/** Reads what follows `[DONE]` (normally nothing but the end), giving up after a second. */
function drainRest(chunks: AsyncIterator<Buffer>, body: UpstreamResponse['body']): void {
  const timer = setTimeout(() => body.destroy(), 1000);
  void (async () => {
    try {
      while (!(await chunks.next()).done);
    } catch {
      // The body was destroyed or broke: nothing more to do.
    } finally {
      clearTimeout(timer);
    }
  })();
}
