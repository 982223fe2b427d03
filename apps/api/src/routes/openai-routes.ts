import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  chatCompletionRequestSchema,
  embeddingsRequestSchema,
  keyAllowsModel,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type Plan,
} from '@gateway/contracts';
import { chunkVisibleToClient } from '@gateway/providers';
import { openAiErrorBody } from '../http/error-body.ts';
import type { CacheTicket } from '../cache/response-cache.ts';
import type { GuardedRequest } from '../guardrails/guarded-call.ts';
import { StreamGuard } from '../guardrails/stream-guard.ts';
import { ChatTranscript } from '../continuation/chat-transcript.ts';
import { continuationWanted, prefillTargets } from '../continuation/continuation-policy.ts';
import { ContinuedStream } from '../continuation/continued-stream.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.ts';
import { cancelSignal, type GatewayCalls } from './gateway-calls.ts';
import { idempotentCall } from '../idempotency/idempotent-call.ts';
import { chatFlow } from './chat-flow.ts';
import { relayStream } from './relay-stream.ts';

/** OpenAI's API: chat completions (JSON and SSE), embeddings and the model list. */
export function openAiRoutes(app: FastifyInstance, calls: GatewayCalls): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const { options } = calls;

  typed.post(
    '/v1/chat/completions',
    { schema: { body: chatCompletionRequestSchema, tags: ['openai'], summary: 'Create a chat completion (OpenAI-compatible)' } },
    async (request, reply) =>
      chatFlow(calls, request, reply, request.body as ChatCompletionRequest, {
        surface: 'openai',
        call: (chosen, upstream, signal) => options.executor.chat(chosen, upstream, calls.executeOptions(request, signal)),
        stream: (upstream, chosen, claim, ticket, guarded) => streamChat(request, reply, upstream, chosen, claim, ticket, guarded),
      }),
  );

  typed.post(
    '/v1/embeddings',
    { schema: { body: embeddingsRequestSchema, tags: ['openai'], summary: 'Create embeddings (OpenAI-compatible)' } },
    async (request, reply) => {
      const body = request.body;
      const state = request.gateway;
      state.model = body.model;
      return idempotentCall(calls, request, reply, async () => {
        const chosen = await calls.plan(request, body.model, 'embeddings');
        const result = await calls.callProvider(request, reply, chosen, (signal) =>
          options.executor.embeddings(chosen, body, calls.executeOptions(request, signal)),
        );
        return result.response;
      });
    },
  );

  typed.get('/v1/models', { schema: { tags: ['openai'], summary: 'List the models this key may use' } }, async (request) => {
    const key = request.gateway.key!;
    const data = options.catalog().models.filter((model) => keyAllowsModel(key.models, model.id));
    return { object: 'list', data };
  });

  async function streamChat(
    request: FastifyRequest,
    reply: FastifyReply,
    body: ChatCompletionRequest,
    chosen: Plan,
    capture: IdempotencyClaim | undefined,
    cache: CacheTicket | undefined,
    guarded: GuardedRequest<unknown> | undefined,
  ) {
    const opened = await calls.openStream(request, (signal) =>
      options.executor.chatStream(chosen, body, calls.executeOptions(request, signal)),
    );
    const signal = cancelSignal(request.gateway);
    const continuation = new ContinuedStream({
      first: opened,
      plan: chosen,
      continues: prefillTargets(options.catalog().providerTypes),
      transcript: new ChatTranscript(body),
      open: (rest, followUp: ChatCompletionRequest) => options.executor.chatStream(rest, followUp, calls.executeOptions(request, signal)),
      enabled: continuationWanted(request) && ChatTranscript.applies(body),
      signal,
      log: request.log,
    });
    const guard = guarded?.outputNeeded && options.guardrails ? new StreamGuard(options.guardrails, { requestId: request.id, guarded, verdicts: request.gateway.guardrails, flags: request.gateway.flags }) : undefined;
    await relayStream(calls, request, reply, chosen, opened, {
      send: async (sse, part) => {
        if (part.type !== 'chunk' || !chunkVisibleToClient(part, body)) return;
        if (guard) await guardChunk(guard, part.chunk);
        request.gateway.bodies?.streamed(part.chunk);
        await sse.send(part.chunk);
      },
      end: (sse) => sse.send('[DONE]'),
      // The SDKs surface an `error` payload inside the stream as an APIError.
      error: (sse, error) => sse.send(openAiErrorBody(error, request.id)),
      continuation,
      ...(capture ? { capture } : {}),
      ...(cache ? { cache } : {}),
      ...(guard ? { ended: () => guard.record() } : {}),
    });
  }
}

/**
 * Passes a chunk's text deltas through the stream's output guardrails (per choice), in place: the text
 * that may leave now replaces each delta, and a choice's finishing chunk also carries what was held back.
 */
async function guardChunk(guard: StreamGuard, chunk: ChatCompletionChunk): Promise<void> {
  for (const choice of chunk.choices) {
    const { delta } = choice;
    if (typeof delta.content === 'string' && delta.content.length > 0) delta.content = await guard.push(choice.index, delta.content);
    if (choice.finish_reason) {
      const rest = await guard.finish(choice.index);
      if (rest) delta.content = `${typeof delta.content === 'string' ? delta.content : ''}${rest}`;
    }
  }
}
