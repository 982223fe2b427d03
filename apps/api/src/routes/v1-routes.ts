import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  GatewayError,
  chatCompletionRequestSchema,
  embeddingsRequestSchema,
  headerNames,
  keyAllowsModel,
  routerPlan,
  type ChatCompletionRequest,
  type Plan,
} from '@gateway/contracts';
import type { Bus } from '@gateway/bus';
import { chunkVisibleToClient, type Execution, type Executor, type Usage } from '@gateway/providers';
import { extractApiKey } from '../auth/extract-key.ts';
import type { CachedKey, KeyCache } from '../auth/key-cache.ts';
import { newRequestId } from '../http/request-id.ts';
import { endRequestSpan } from '../http/request-span.ts';
import { SseWriter } from '../http/sse.ts';
import { newRequestState, overheadMs, type RequestState } from '../usage/request-state.ts';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';
import { costUsd } from '../usage/cost.ts';
import { openAiErrorBody } from '../http/error-body.ts';
import { toGatewayError } from '../http/to-gateway-error.ts';

declare module 'fastify' {
  interface FastifyRequest {
    gateway: RequestState;
  }
}

export interface V1RouteOptions {
  bus: Bus;
  keys: KeyCache;
  executor: Executor;
  catalog: () => ProviderCatalog;
  finish: (state: RequestState, status: number) => void;
}

/** `gw-` and 43 base64url characters: 32 random bytes (see packages/db gateway-key.ts). */
const wellFormedKey = /^gw-[A-Za-z0-9_-]{43}$/;

/** The OpenAI-compatible surface under /v1. */
export async function v1Routes(app: FastifyInstance, options: V1RouteOptions): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  app.decorateRequest('gateway', null as unknown as RequestState);
  // Authentication comes first (onRequest, before the body is even parsed): a caller without a valid
  // key learns nothing about the API beyond 401, and costs no usage record.
  app.addHook('onRequest', async (request, reply) => {
    // genReqId already chose: the caller's x-request-id when usable, else a new id.
    const sent = request.headers['x-request-id'];
    const clientRequestId = (Array.isArray(sent) ? sent[0] : sent) === request.id ? request.id : null;
    // A caller-chosen id cannot be the usage key (two requests could share it); ours always is.
    const state = newRequestState({ requestId: clientRequestId ? newRequestId() : request.id, clientRequestId }, endpointOf(request));
    request.gateway = state;
    reply.header(headerNames.gatewayRequestId, state.requestId);
    // A client that leaves before the answer is complete: the provider call is aborted, and the request
    // still gets its one record (status 499; a stream records itself).
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      state.cancel?.abort();
      if (!state.streaming && !state.recorded) {
        state.errorCode = 'request_cancelled';
        options.finish(state, 499);
      }
    });
    state.key = await authenticate(request.headers);
  });
  // Every authenticated /v1 request yields one usage record, errors included; streams record themselves.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.gateway && !request.gateway.recorded) options.finish(request.gateway, reply.statusCode);
    done();
  });

  async function authenticate(headers: FastifyRequest['headers']): Promise<CachedKey> {
    const plaintext = extractApiKey(headers);
    if (!plaintext) {
      throw new GatewayError('invalid_api_key', 'Missing API key: send "Authorization: Bearer <gateway key>" or "x-api-key: <gateway key>"');
    }
    // Anything not shaped like a gateway key is refused without a lookup, so junk keys cost nothing.
    const key = wellFormedKey.test(plaintext) ? await options.keys.get(plaintext) : null;
    if (!key) throw new GatewayError('invalid_api_key', 'Invalid API key');
    if (key.revokedAt) throw new GatewayError('invalid_api_key', 'This API key has been revoked');
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) throw new GatewayError('invalid_api_key', 'This API key has expired');
    return key;
  }

  const plan = (request: FastifyRequest, model: string, operation: 'chat' | 'embeddings'): Promise<Plan> => {
    const key = request.gateway.key!;
    return options.bus.request(
      routerPlan,
      {
        requestId: request.id,
        model,
        operation,
        key: { id: key.id, ...(key.models ? { models: key.models } : {}), metadata: key.metadata },
      },
      { context: { requestId: request.id, ...(request.traceparent ? { traceparent: request.traceparent } : {}) } },
    );
  };

  typed.post(
    '/v1/chat/completions',
    { schema: { body: chatCompletionRequestSchema, tags: ['openai'], summary: 'Create a chat completion (OpenAI-compatible)' } },
    async (request, reply) => {
      const body = request.body as ChatCompletionRequest;
      const state = request.gateway;
      state.model = body.model;
      state.stream = body.stream === true;
      const chosen = await plan(request, body.model, 'chat');
      if (state.stream) return streamChat(request, reply, body, chosen);

      return callProvider(request, reply, chosen, (signal) => options.executor.chat(chosen, body, { requestId: request.id, signal }));
    },
  );

  typed.post(
    '/v1/embeddings',
    { schema: { body: embeddingsRequestSchema, tags: ['openai'], summary: 'Create embeddings (OpenAI-compatible)' } },
    async (request, reply) => {
      const body = request.body;
      const state = request.gateway;
      state.model = body.model;
      const chosen = await plan(request, body.model, 'embeddings');
      return callProvider(request, reply, chosen, (signal) => options.executor.embeddings(chosen, body, { requestId: request.id, signal }));
    },
  );

  typed.get('/v1/models', { schema: { tags: ['openai'], summary: 'List the models this key may use' } }, async (request) => {
    const key = request.gateway.key!;
    const data = options.catalog().models.filter((model) => keyAllowsModel(key.models, model.id));
    return { object: 'list', data };
  });

  /** Runs a non-streaming provider call, timing it and noting what served it. */
  async function callProvider<Response>(
    request: FastifyRequest,
    reply: FastifyReply,
    chosen: Plan,
    run: (signal: AbortSignal) => Promise<Execution<{ response: Response; usage: Usage }>>,
  ): Promise<Response> {
    const state = request.gateway;
    const providerStarted = performance.now();
    try {
      const outcome = await run(cancelSignal(state));
      state.providerMs = performance.now() - providerStarted;
      settle(state, outcome.target, outcome.attempts.length, outcome.result.usage, chosen.model);
      reply.header(headerNames.target, `${outcome.target.provider}/${outcome.target.model}`);
      reply.header(headerNames.attempts, String(outcome.attempts.length));
      return outcome.result.response;
    } catch (error) {
      state.providerMs = performance.now() - providerStarted;
      noteAttempts(state, error);
      throw error;
    }
  }

  function settle(
    state: RequestState,
    target: { provider: string; model: string },
    attempts: number,
    usage: Usage,
    requestedModel: string,
  ): void {
    state.provider = target.provider;
    state.providerModel = target.model;
    state.attempts = attempts;
    state.inputTokens = usage.inputTokens;
    state.outputTokens = usage.outputTokens;
    state.costUsd = costUsd(options.catalog(), requestedModel, target, usage);
  }

  async function streamChat(request: FastifyRequest, reply: FastifyReply, body: ChatCompletionRequest, chosen: Plan) {
    const state = request.gateway;
    const signal = cancelSignal(state);
    const providerStarted = performance.now();
    let opened;
    try {
      opened = await options.executor.chatStream(chosen, body, { requestId: request.id, signal });
    } catch (error) {
      state.providerMs = performance.now() - providerStarted;
      noteAttempts(state, error);
      throw error;
    }
    // From here on the response is ours to write: Fastify's reply is bypassed so chunks flow as they come.
    reply.hijack();
    state.streaming = true;
    const sse = new SseWriter(reply.raw);
    state.providerMs = performance.now() - providerStarted;
    state.provider = opened.target.provider;
    state.providerModel = opened.target.model;
    state.attempts = opened.attempts.length;
    sse.open({
      [headerNames.requestId]: request.id,
      [headerNames.gatewayRequestId]: state.requestId,
      [headerNames.target]: `${opened.target.provider}/${opened.target.model}`,
      [headerNames.attempts]: String(opened.attempts.length),
      [headerNames.overheadMs]: overheadMs(state).toFixed(2),
    });
    let status = 200;
    let waitStarted = performance.now();
    try {
      for await (const part of opened.result.parts) {
        state.providerMs += performance.now() - waitStarted;
        if (part.type === 'chunk') {
          if (chunkVisibleToClient(part, body)) await sse.send(part.chunk);
        } else if (part.usage) {
          state.inputTokens = part.usage.inputTokens;
          state.outputTokens = part.usage.outputTokens;
        }
        waitStarted = performance.now();
      }
      await sse.send('[DONE]');
    } catch (thrown) {
      const error = toGatewayError(thrown);
      status = sse.closed ? 499 : error.status;
      state.errorCode = sse.closed ? 'request_cancelled' : error.code;
      if (!sse.closed) {
        request.log.warn({ code: error.code, source: error.source }, 'stream failed after it started');
        // The SDKs surface an `error` payload inside the stream as an APIError.
        await sse.send(openAiErrorBody(error, request.id));
      }
    } finally {
      sse.end();
      state.costUsd = costUsd(options.catalog(), chosen.model, opened.target, { inputTokens: state.inputTokens, outputTokens: state.outputTokens });
      if (signal.aborted && status === 200) {
        status = 499;
        state.errorCode = 'request_cancelled';
      }
      options.finish(state, status);
      // A hijacked reply skips onResponse, so the stream ends its own span.
      endRequestSpan(request, status);
    }
  }
}

function endpointOf(request: FastifyRequest): RequestState['endpoint'] {
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/v1/embeddings')) return 'embeddings';
  if (path.startsWith('/v1/models')) return 'models';
  return 'chat';
}

/** The signal that aborts provider calls when the client leaves (made only for calls that need one). */
function cancelSignal(state: RequestState): AbortSignal {
  state.cancel ??= new AbortController();
  return state.cancel.signal;
}

function noteAttempts(state: RequestState, error: unknown): void {
  const attempts = (error as { attempts?: unknown[] }).attempts;
  if (Array.isArray(attempts)) state.attempts = attempts.length;
}
