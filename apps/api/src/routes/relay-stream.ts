import type { FastifyReply, FastifyRequest } from 'fastify';
import { headerNames, type GatewayError, type Plan } from '@gateway/contracts';
import type { Execution, Usage, Warning } from '@gateway/providers';
import { endRequestSpan } from '../http/request-span.ts';
import { SseWriter } from '../http/sse.ts';
import { toGatewayError } from '../http/to-gateway-error.ts';
import { overheadMs } from '../usage/request-state.ts';
import type { GatewayCalls } from './gateway-calls.ts';

type FinishPart = { type: 'finish'; usage: Usage | null };

export interface StreamRelay<Part> {
  /** Writes one part that is not the finish part (or drops it). */
  send(sse: SseWriter, part: Exclude<Part, FinishPart>): Promise<void>;
  /** Written after the last part (OpenAI's `[DONE]`). */
  end?(sse: SseWriter): Promise<void>;
  /** Written when the stream fails after it started, in the surface's shape. */
  error(sse: SseWriter, error: GatewayError): Promise<void>;
}

/**
 * Relays an opened provider stream to the client as SSE and records the request once it ends: the reply
 * is hijacked (chunks flow as they come), usage comes from the finish part, a failure after the start
 * becomes an error event, a client that left makes it a 499.
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
  reply.hijack();
  state.streaming = true;
  const sse = new SseWriter(reply.raw);
  sse.open({ ...calls.streamHeaders(request, opened), [headerNames.overheadMs]: overheadMs(state).toFixed(2) });
  let status = 200;
  let waitStarted = performance.now();
  try {
    for await (const part of opened.result.parts) {
      state.providerMs += performance.now() - waitStarted;
      if (part.type === 'finish') {
        const { usage } = part as unknown as FinishPart;
        if (usage) calls.settleUsage(state, chosen.model, opened.target, usage);
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
    sse.end();
    if (state.costUsd === null) {
      calls.settleUsage(state, chosen.model, opened.target, { inputTokens: state.inputTokens, outputTokens: state.outputTokens });
    }
    if (state.cancel?.signal.aborted && status === 200) {
      status = 499;
      state.errorCode = 'request_cancelled';
    }
    calls.options.finish(state, status);
    // A hijacked reply skips onResponse, so the stream ends its own span.
    endRequestSpan(request, status);
  }
}
