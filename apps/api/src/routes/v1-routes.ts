import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError, headerNames } from '@gateway/contracts';
import { extractApiKey } from '../auth/extract-key.ts';
import type { CachedKey } from '../auth/key-cache.ts';
import { newRequestId } from '../http/request-id.ts';
import { newRequestState, type RequestState } from '../usage/request-state.ts';
import { anthropicRoutes } from './anthropic-routes.ts';
import { createGatewayCalls, type V1RouteOptions } from './gateway-calls.ts';
import { openAiRoutes } from './openai-routes.ts';
import { passthroughRoutes } from './passthrough-routes.ts';

export type { V1RouteOptions } from './gateway-calls.ts';

declare module 'fastify' {
  interface FastifyRequest {
    gateway: RequestState;
  }
}

/** `gw-` and 43 base64url characters: 32 random bytes (see packages/db gateway-key.ts). */
const wellFormedKey = /^gw-[A-Za-z0-9_-]{43}$/;

/**
 * The authenticated scope of the gateway's surfaces: OpenAI's and Anthropic's APIs under /v1 and the
 * pass-through routes. Every request here is authenticated first and yields exactly one usage record.
 */
export async function v1Routes(app: FastifyInstance, options: V1RouteOptions): Promise<void> {
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
    state.key = await authenticate(request.headers, request.url);
  });
  // Every authenticated /v1 request yields one usage record, errors included; streams record themselves.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.gateway && !request.gateway.recorded) options.finish(request.gateway, reply.statusCode);
    done();
  });

  async function authenticate(headers: FastifyRequest['headers'], path: string): Promise<CachedKey> {
    const plaintext = extractApiKey(headers, path);
    if (!plaintext) {
      throw new GatewayError('invalid_api_key', 'Missing API key: send "Authorization: Bearer <gateway key>", "x-api-key: <gateway key>" or (to a Gemini pass-through) "x-goog-api-key: <gateway key>"');
    }
    // Anything not shaped like a gateway key is refused without a lookup, so junk keys cost nothing.
    const key = wellFormedKey.test(plaintext) ? await options.keys.get(plaintext) : null;
    if (!key) throw new GatewayError('invalid_api_key', 'Invalid API key');
    if (key.revokedAt) throw new GatewayError('invalid_api_key', 'This API key has been revoked');
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) throw new GatewayError('invalid_api_key', 'This API key has expired');
    return key;
  }

  const calls = createGatewayCalls(options);
  openAiRoutes(app, calls);
  anthropicRoutes(app, calls);
  passthroughRoutes(app, calls);
}

function endpointOf(request: FastifyRequest): RequestState['endpoint'] {
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/passthrough/')) return 'passthrough';
  if (path.startsWith('/v1/embeddings')) return 'embeddings';
  if (path.startsWith('/v1/models')) return 'models';
  if (path.startsWith('/v1/messages/count_tokens')) return 'count_tokens';
  if (path.startsWith('/v1/messages')) return 'messages';
  return 'chat';
}
