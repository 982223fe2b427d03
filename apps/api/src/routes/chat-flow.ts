import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Plan } from '@gateway/contracts';
import type { Execution, Usage, Warning } from '@gateway/providers';
import { BodyLog } from '../bodies/body-log.ts';
import { answerFromCache, entryFacts, lookupCache, openCache } from '../cache/cached-call.ts';
import type { CacheTicket } from '../cache/response-cache.ts';
import { guardInput, guardJsonOutput, policyNames, type GuardedRequest, type GuardedSurface } from '../guardrails/guarded-call.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.ts';
import { idempotentCall } from '../idempotency/idempotent-call.ts';
import type { GatewayCalls } from './gateway-calls.ts';

/** A chat request body of either surface, as far as the flow reads it. */
type ChatBody = { model: string; messages: readonly unknown[]; stream?: boolean | null | undefined };

/** What a surface's chat route gives the shared flow. */
export interface ChatSurface<Body extends ChatBody> {
  surface: GuardedSurface;
  /** A non-streaming provider call with the (possibly redacted) body. */
  call(chosen: Plan, upstream: Body, signal: AbortSignal): Promise<Execution<{ response: unknown; usage: Usage; warnings?: Warning[] }>>;
  /** A streamed answer, relayed to the client. */
  stream(upstream: Body, chosen: Plan, claim: IdempotencyClaim | undefined, ticket: CacheTicket | undefined, guarded: GuardedRequest<unknown> | undefined): Promise<void>;
}

/**
 * A chat request of either surface, in the gateway's order: Idempotency-Key, the router's plan (with
 * limits), input guardrails, the response cache, then the provider (JSON or stream), output
 * guardrails, and the answer handed to the cache without waiting for it. When the key logs bodies,
 * the prompt and the answer are collected on the way (see bodies/body-log.ts).
 */
export function chatFlow<Body extends ChatBody>(
  calls: GatewayCalls,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Body,
  surface: ChatSurface<Body>,
): Promise<unknown> {
  const state = request.gateway;
  state.model = body.model;
  state.stream = body.stream === true;
  return idempotentCall(calls, request, reply, async (claim) => {
    const chosen = await calls.plan(request, body.model, 'chat');
    const guarded = await guardInput(calls, request, surface.surface, body, chosen);
    // Only what passed the input checks is logged, as it goes upstream (redacted).
    if (state.key?.logBodies) state.bodies = new BodyLog(surface.surface, guarded?.upstream ?? body, guarded?.input.restore);
    const ticket = openCache(calls, request, surface.surface, body, chosen, { policies: policyNames(guarded), noStore: guarded?.input.restore !== undefined });
    try {
      const cached = await lookupCache(request, reply, ticket);
      if (cached) return await answerFromCache(calls, request, reply, cached, claim);
      const upstream = guarded?.upstream ?? body;
      if (state.stream) return await surface.stream(upstream, chosen, claim, ticket, guarded);
      const result = await calls.callProvider(request, reply, chosen, (signal) => surface.call(chosen, upstream, signal));
      await guardJsonOutput(calls, request, surface.surface, guarded, result.response);
      state.bodies?.answered(result.response);
      ticket?.storeJson(result.response, entryFacts(state));
      return result.response;
    } finally {
      ticket?.finish();
    }
  });
}
