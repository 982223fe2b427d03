import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  chatCompletionRequestSchema,
  embeddingsRequestSchema,
  keyAllowsModel,
  type ChatCompletionRequest,
  type Plan,
} from '@gateway/contracts';
import { chunkVisibleToClient } from '@gateway/providers';
import { openAiErrorBody } from '../http/error-body.ts';
import type { GatewayCalls } from './gateway-calls.ts';
import { relayStream } from './relay-stream.ts';

/** OpenAI's API: chat completions (JSON and SSE), embeddings and the model list. */
export function openAiRoutes(app: FastifyInstance, calls: GatewayCalls): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const { options } = calls;

  typed.post(
    '/v1/chat/completions',
    { schema: { body: chatCompletionRequestSchema, tags: ['openai'], summary: 'Create a chat completion (OpenAI-compatible)' } },
    async (request, reply) => {
      const body = request.body as ChatCompletionRequest;
      const state = request.gateway;
      state.model = body.model;
      state.stream = body.stream === true;
      const chosen = await calls.plan(request, body.model, 'chat');
      if (state.stream) return streamChat(request, reply, body, chosen);
      const strict = calls.strict(request);
      const result = await calls.callProvider(request, reply, chosen, (signal) =>
        options.executor.chat(chosen, body, { requestId: request.id, signal, strict }),
      );
      return result.response;
    },
  );

  typed.post(
    '/v1/embeddings',
    { schema: { body: embeddingsRequestSchema, tags: ['openai'], summary: 'Create embeddings (OpenAI-compatible)' } },
    async (request, reply) => {
      const body = request.body;
      const state = request.gateway;
      state.model = body.model;
      const chosen = await calls.plan(request, body.model, 'embeddings');
      const strict = calls.strict(request);
      const result = await calls.callProvider(request, reply, chosen, (signal) =>
        options.executor.embeddings(chosen, body, { requestId: request.id, signal, strict }),
      );
      return result.response;
    },
  );

  typed.get('/v1/models', { schema: { tags: ['openai'], summary: 'List the models this key may use' } }, async (request) => {
    const key = request.gateway.key!;
    const data = options.catalog().models.filter((model) => keyAllowsModel(key.models, model.id));
    return { object: 'list', data };
  });

  async function streamChat(request: FastifyRequest, reply: FastifyReply, body: ChatCompletionRequest, chosen: Plan) {
    const strict = calls.strict(request);
    const opened = await calls.openStream(request, (signal) =>
      options.executor.chatStream(chosen, body, { requestId: request.id, signal, strict }),
    );
    await relayStream(calls, request, reply, chosen, opened, {
      send: async (sse, part) => {
        if (part.type === 'chunk' && chunkVisibleToClient(part, body)) await sse.send(part.chunk);
      },
      end: (sse) => sse.send('[DONE]'),
      // The SDKs surface an `error` payload inside the stream as an APIError.
      error: (sse, error) => sse.send(openAiErrorBody(error, request.id)),
    });
  }
}
