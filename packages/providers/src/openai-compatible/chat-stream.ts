import { z } from 'zod';
import type { ChatCompletionChunk } from '@gateway/contracts';
import { invalidAnswer, type UpstreamClient, type UpstreamResponse } from '../http.ts';
import type { StreamPart, Usage } from '../types.ts';
import { midStreamError, serverSentEvents, streamEndedEarly, streamEventJson, UpstreamBody } from '../upstream-body.ts';
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

/**
 * Turns an OpenAI-protocol SSE body into stream parts: every `data:` event becomes a `chunk` part
 * (passed on as the upstream sent it), the usage-only last chunk (empty `choices`, `usage` set) is
 * marked `usageOnly`, and a final `finish` part carries the finish reason of choice 0 and the usage.
 * A connection that breaks, or a stream that ends with neither `[DONE]` nor a finish reason, throws a
 * ProviderError from the iterator. Stopping the iteration early destroys the upstream body (see
 * UpstreamBody).
 */
export async function* chatStreamParts(
  client: UpstreamClient,
  response: UpstreamResponse,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamPart> {
  const body = new UpstreamBody(client, response, signal);
  const { statusCode } = body;
  let finishRaw: string | null = null;
  let usage: Usage | null = null;
  let done = false;
  for await (const event of serverSentEvents(body)) {
    if (event.data === '[DONE]') {
      // Only the end of the body should follow: it is read so the connection is kept alive.
      done = true;
      body.complete();
      break;
    }
    if (event.event === 'error') throw midStreamError(client, event.data);
    const json = streamEventJson(client, statusCode, event.data);
    const parsed = upstreamChunkSchema.safeParse(json);
    if (!parsed.success) throw invalidAnswer(client, statusCode, 'a stream event of an unexpected shape');
    const chunk = parsed.data;
    if (chunk.error !== undefined && chunk.error !== null) throw midStreamError(client, event.data);
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
  if (!done && finishRaw === null) throw streamEndedEarly(client);
  yield { type: 'finish', finishReason: unifyFinishReason(finishRaw), usage };
}
