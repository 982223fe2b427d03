import type { FastifyReply, FastifyRequest } from 'fastify';
import { headerNames, type GatewayError, type Plan } from '@gateway/contracts';
import type { Execution, Usage, Warning } from '@gateway/providers';
import { endRequestSpan } from '../http/request-span.ts';
import { SseWriter } from '../http/sse.ts';
import { toGatewayError } from '../http/to-gateway-error.ts';
import { continuedFlag } from '../continuation/continuation-policy.ts';
import type { ContinuedParts } from '../continuation/continued-stream.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.ts';
import { pickReplayedHeaders } from '../idempotency/idempotent-call.ts';
import { RecordingSseWriter } from '../idempotency/recording-sse-writer.ts';
import { entryFacts } from '../cache/cached-call.ts';
import type { CacheTicket } from '../cache/response-cache.ts';
import { overheadMs, type RequestState } from '../usage/request-state.ts';
import type { GatewayCalls } from './gateway-calls.ts';

type FinishPart = { type: 'finish'; usage: Usage | null };

export interface StreamRelay<Part> {
  /** Writes one part that is not the finish part (or drops it). */
  send(sse: SseWriter, part: Exclude<Part, FinishPart>): Promise<void>;
  /** Written after the last part (OpenAI's `[DONE]`). */
  end?(sse: SseWriter): Promise<void>;
  /** Written when the stream fails after it started, in the surface's shape. */
  error(sse: SseWriter, error: GatewayError): Promise<void>;
  /** Continuation failover: relay these parts (the opened stream, continued on the next target if it breaks). */
  continuation?: ContinuedParts<Part>;
  /** The request's Idempotency-Key claim: what is sent is kept, and stored once the stream completed. */
  capture?: IdempotencyClaim;
  /** The request's response-cache ticket: a completed stream's events are cached (and released to identical requests waiting). */
  cache?: CacheTicket;
  /** Called once the stream has ended, before the request is recorded (e.g. to put guardrail verdicts on the record). */
  ended?(): void;
}

/**
 * Relays an opened provider stream to the client as SSE and records the request once it ends: the reply
 * is hijacked (chunks flow as they come), usage comes from the finish part, a failure after the start
 * becomes an error event, a client that left makes it a 499. A continued stream's record sums its
 * segments and is flagged `continued`; a completed stream under an Idempotency-Key is stored before the
 * response ends, so a repeat sent after the client got the whole stream always finds it.
 */
export async function relayStream<Part extends { type: string }>(
  calls: GatewayCalls,
  request: FastifyRequest,
  reply: FastifyReply,
  chosen: Plan,
  opened: Execution<{ parts: AsyncIterable<Part>; warnings: Warning[] }>,
  relay: StreamRelay<Part>,
): Promise<void> {
  const state = request.gateway;
  const { continuation, capture, cache } = relay;
  reply.hijack();
  state.streaming = true;
  const recording =
    capture?.recordingWriter(reply.raw) ?? (cache && calls.options.cache ? new RecordingSseWriter(reply.raw, calls.options.cache.responses.maxEntryBytes) : undefined);
  const sse = recording ?? new SseWriter(reply.raw);
  const headers = calls.streamHeaders(request, opened);
  sse.open({ ...headers, [headerNames.overheadMs]: overheadMs(state).toFixed(2) });
  let status = 200;
  let settled = false;
  let waitStarted = performance.now();
  try {
    for await (const part of continuation ? continuation.parts() : opened.result.parts) {
      state.providerMs += performance.now() - waitStarted;
      if (part.type === 'finish') {
        const { usage } = part as unknown as FinishPart;
        if (usage && !continuation?.continued) {
          calls.settleUsage(state, chosen.model, opened.target, usage);
          settled = true;
        }
      } else {
        await relay.send(sse, part as Exclude<Part, FinishPart>);
      }
      waitStarted = performance.now();
    }
    await relay.end?.(sse);
  } catch (thrown) {
    const error = toGatewayError(thrown);
    status = sse.closed ? 499 : error.status;
    state.errorCode = sse.closed ? 'request_cancelled' : error.code;
    if (!sse.closed) {
      request.log.warn({ code: error.code, source: error.source }, 'stream failed after it started');
      await relay.error(sse, error);
    }
  } finally {
    if (state.cancel?.signal.aborted && status === 200) {
      status = 499;
      state.errorCode = 'request_cancelled';
    }
    if (capture && recording) {
      if (status === 200) await capture.completeStream(recording, pickReplayedHeaders(headers));
      else await capture.release();
    }
    sse.end();
    if (continuation?.continued) settleContinued(calls, state, chosen.model, continuation);
    // A stream that ended without its usage (it failed) is priced at what is known, which may be nothing.
    else if (!settled) calls.settleUsage(state, chosen.model, opened.target, { inputTokens: state.inputTokens, outputTokens: state.outputTokens });
    // Only a stream that completed, and was kept whole, is cached; either way identical requests waiting are released.
    if (cache && status === 200 && recording && !recording.overflowed) cache.storeStream(recording.events, entryFacts(state));
    cache?.finish();
    relay.ended?.();
    calls.options.finish(state, status);
    // A hijacked reply skips onResponse, so the stream ends its own span.
    endRequestSpan(request, status);
  }
}

/** A continued stream's record: the target that finished, every attempt, the segments' usage and cost summed. */
function settleContinued<Part>(
  calls: GatewayCalls,
  state: RequestState,
  requestedModel: string,
  continuation: ContinuedParts<Part>,
): void {
  const total = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, costUsd: null as number | null };
  for (const { target, usage } of continuation.usages()) {
    calls.settleUsage(state, requestedModel, target, usage);
    total.inputTokens += state.inputTokens;
    total.outputTokens += state.outputTokens;
    total.cachedInputTokens += state.cachedInputTokens;
    total.reasoningTokens += state.reasoningTokens;
    if (state.costUsd !== null) total.costUsd = (total.costUsd ?? 0) + state.costUsd;
  }
  Object.assign(state, total);
  state.provider = continuation.target.provider;
  state.providerModel = continuation.target.model;
  state.attempts = continuation.attempts;
  state.attemptLog = [...continuation.attemptLog];
  state.flags.push(continuedFlag);
}
