import type { FastifyReply, FastifyRequest } from 'fastify';
import { headerNames } from '@gateway/contracts';
import { createMemoryStore, type KeyValueStore } from '@gateway/kv';
import { endRequestSpan } from '../http/request-span.ts';
import { SseWriter } from '../http/sse.ts';
import { cancelSignal, type GatewayCalls, type V1RouteOptions } from '../routes/gateway-calls.ts';
import { overheadMs } from '../usage/request-state.ts';
import {
  Idempotency,
  idempotentReplayFlag,
  idempotentReplayHeader,
  replayedHeaderNames,
  type IdempotencyClaim,
} from './idempotency.ts';
import type { StoredAnswer } from './stored-answer.ts';

const shared = new WeakMap<V1RouteOptions, Idempotency>();

/**
 * The Idempotency of one API instance, shared by its route files. Without a store in the options (an
 * API built without one), keys are kept in this process's memory: right for one replica only.
 */
export function idempotencyOf(options: V1RouteOptions): Idempotency {
  let idempotency = shared.get(options);
  if (!idempotency) {
    const store: KeyValueStore = options.store ?? createMemoryStore();
    idempotency = new Idempotency(store);
    shared.set(options, idempotency);
  }
  return idempotency;
}

/**
 * Runs a /v1 call under its Idempotency-Key, if it has one: replays a stored answer, or runs `call` with
 * the claim. A JSON answer `call` returns is stored here; a stream stores itself through the claim (see
 * relayStream). Whatever `call` throws frees the key.
 */
export async function idempotentCall<Result>(
  calls: GatewayCalls,
  request: FastifyRequest,
  reply: FastifyReply,
  call: (claim: IdempotencyClaim | undefined) => Promise<Result>,
): Promise<Result | FastifyReply | undefined> {
  const started = await idempotencyOf(calls.options).begin(request, cancelSignal(request.gateway));
  if (started.kind === 'none') return call(undefined);
  if (started.kind === 'replay') return replay(calls, request, reply, started.answer);
  const { claim } = started;
  try {
    const result = await call(claim);
    if (!request.gateway.streaming) await claim.completeJson(reply.statusCode, pickReplayedHeaders(reply.getHeaders()), result);
    return result;
  } catch (error) {
    await claim.release();
    throw error;
  }
}

/** The headers of an answer that a replay repeats. */
export function pickReplayedHeaders(headers: Record<string, unknown>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of replayedHeaderNames) {
    const value = headers[name];
    if (typeof value === 'string' || typeof value === 'number') picked[name] = String(value);
  }
  return picked;
}

/**
 * Answers with the stored answer: the same status, body and headers (or the same SSE events), marked
 * with `x-gateway-idempotent-replay: true`. Its usage record costs nothing and is flagged.
 */
async function replay(calls: GatewayCalls, request: FastifyRequest, reply: FastifyReply, answer: StoredAnswer): Promise<FastifyReply | undefined> {
  const state = request.gateway;
  state.flags.push(idempotentReplayFlag);
  state.costUsd = 0;
  if (answer.kind === 'json') {
    return reply
      .code(answer.status)
      .headers({ ...answer.headers, [idempotentReplayHeader]: 'true' })
      .type('application/json; charset=utf-8')
      .send(answer.body);
  }
  state.stream = true;
  reply.hijack();
  state.streaming = true;
  const sse = new SseWriter(reply.raw);
  sse.open({
    ...answer.headers,
    [headerNames.requestId]: request.id,
    [headerNames.gatewayRequestId]: state.requestId,
    [headerNames.overheadMs]: overheadMs(state).toFixed(2),
    [idempotentReplayHeader]: 'true',
  });
  for (const event of answer.events) await sse.send(event.data, event.event);
  const status = sse.closed ? 499 : 200;
  if (status === 499) state.errorCode = 'request_cancelled';
  sse.end();
  calls.options.finish(state, status);
  endRequestSpan(request, status);
  return undefined;
}
