import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CacheableRequest, CacheSurface } from '@gateway/cache-client';
import { headerNames, type CacheEntry, type Plan } from '@gateway/contracts';
import { endRequestSpan } from '../http/request-span.ts';
import { SseWriter } from '../http/sse.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.ts';
import type { StoredEvent } from '../idempotency/stored-answer.ts';
import { cancelSignal, type GatewayCalls } from '../routes/gateway-calls.ts';
import { overheadMs, type RequestState } from '../usage/request-state.ts';
import { readCacheDirective } from './cache-directive.ts';
import { cacheStatusHeader, type CachedAnswer, type CacheTicket } from './response-cache.ts';

/** The flag on the record of a request answered by an identical one in flight (single-flight). */
export const coalescedFlag = 'cache_coalesced';

/**
 * The cache's part of a chat request, once its plan is known: undefined when caching is off for it
 * (its key and model say so, or the API has no cache). The request's cache headers are read even then,
 * so a wrong value is refused whatever the configuration.
 */
export function openCache(
  calls: GatewayCalls,
  request: FastifyRequest,
  surface: CacheSurface,
  body: CacheableRequest,
  chosen: Plan,
  guardrails: { policies: string[]; noStore: boolean } = { policies: [], noStore: false },
): CacheTicket | undefined {
  const directive = readCacheDirective(request.headers);
  const cache = calls.options.cache;
  const state = request.gateway;
  if (!cache || !state.key) return undefined;
  const settings = cache.settingsFor(state.key, chosen.model);
  if (!settings) return undefined;
  // An answer restored from reversible redactions holds the very values kept from the provider: never cached.
  if (guardrails.noStore) directive.write = false;
  return cache.responses.begin({
    requestId: request.id,
    surface,
    // The guardrail policies are part of the key: an answer checked under some policies never serves a
    // request under others (two keys sharing a scope may have different policies).
    body: guardrails.policies.length > 0 ? { ...body, 'x-gateway-guardrails': guardrails.policies } : body,
    model: chosen.model,
    settings,
    directive,
    signal: cancelSignal(state),
  });
}

/** Looks the request up; notes the cache status on the record and, for a JSON answer, on the reply. */
export async function lookupCache(request: FastifyRequest, reply: FastifyReply, ticket: CacheTicket | undefined): Promise<CachedAnswer | null> {
  if (!ticket) return null;
  const answer = await ticket.lookup();
  request.gateway.cacheStatus = ticket.status;
  request.gateway.cacheEmbeddingCostUsd = ticket.embeddingCostUsd;
  reply.header(headerNames.cache, cacheStatusHeader[ticket.status]);
  return answer;
}

/** What a fresh answer's entry says about where it came from and what it cost (from the settled record). */
export function entryFacts(state: RequestState): Omit<CacheEntry, 'response' | 'stream' | 'createdAt'> {
  return {
    usage: { inputTokens: state.inputTokens, outputTokens: state.outputTokens },
    costUsd: state.costUsd,
    model: state.providerModel ?? '',
    provider: state.provider ?? '',
  };
}

/** The headers that tell a client its answer came from the cache. */
function hitHeaders(answer: CachedAnswer): Record<string, string> {
  return {
    [headerNames.cache]: cacheStatusHeader[answer.status],
    [headerNames.cacheStoredAt]: answer.entry.createdAt,
    ...(answer.similarity === undefined ? {} : { [headerNames.cacheSimilarity]: answer.similarity.toFixed(4) }),
  };
}

/**
 * Answers with a stored answer: the JSON body as it was, or the SSE events as they were sent (the SDKs'
 * stream helpers read them as any stream). The record says `hit` or `semantic_hit`, costs nothing,
 * and carries what the original call cost as `cost_saved_usd`; no provider and no tokens were used.
 * Under an Idempotency-Key, the replayed answer is also what a repeat of the key gets.
 */
export async function answerFromCache(
  calls: GatewayCalls,
  request: FastifyRequest,
  reply: FastifyReply,
  answer: CachedAnswer,
  claim: IdempotencyClaim | undefined,
): Promise<unknown> {
  const state = request.gateway;
  state.cacheStatus = answer.status;
  state.costUsd = 0;
  state.costSavedUsd = answer.entry.costUsd;
  if (answer.coalesced && !state.flags.includes(coalescedFlag)) state.flags.push(coalescedFlag);
  if (!answer.entry.stream) {
    state.bodies?.answered(answer.entry.response);
    reply.headers(hitHeaders(answer));
    return answer.entry.response;
  }
  reply.hijack();
  state.streaming = true;
  const recording = claim?.recordingWriter(reply.raw);
  const sse = recording ?? new SseWriter(reply.raw);
  const headers = {
    [headerNames.requestId]: request.id,
    [headerNames.gatewayRequestId]: state.requestId,
    ...calls.options.limits?.headersOf(state),
    ...hitHeaders(answer),
  };
  sse.open({ ...headers, [headerNames.overheadMs]: overheadMs(state).toFixed(2) });
  for (const event of answer.entry.response as StoredEvent[]) {
    state.bodies?.streamed(event.data);
    await sse.send(event.data, event.event);
  }
  const status = sse.closed ? 499 : 200;
  if (status === 499) state.errorCode = 'request_cancelled';
  if (claim && recording) {
    if (status === 200) await claim.completeStream(recording, headers);
    else await claim.release();
  }
  sse.end();
  calls.options.finish(state, status);
  endRequestSpan(request, status);
  return undefined;
}
