import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  anthropicCountTokensRequestSchema,
  anthropicMessagesRequestSchema,
  type AnthropicMessagesRequest,
  type AnthropicStreamEvent,
  type Plan,
} from '@gateway/contracts';
import { anthropicErrorBody } from '../http/error-body.ts';
import type { CacheTicket } from '../cache/response-cache.ts';
import type { GuardedRequest } from '../guardrails/guarded-call.ts';
import { StreamGuard } from '../guardrails/stream-guard.ts';
import { continuationWanted, prefillTargets } from '../continuation/continuation-policy.ts';
import { ContinuedStream } from '../continuation/continued-stream.ts';
import { MessagesTranscript } from '../continuation/messages-transcript.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.ts';
import { cancelSignal, type GatewayCalls } from './gateway-calls.ts';
import { chatFlow } from './chat-flow.ts';
import { relayStream } from './relay-stream.ts';

/**
 * Anthropic's Messages API, for clients on the official Anthropic SDK: any configured provider answers,
 * an Anthropic upstream natively, the others through the translation the executor applies.
 */
export function anthropicRoutes(app: FastifyInstance, calls: GatewayCalls): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const { options } = calls;

  typed.post(
    '/v1/messages',
    { schema: { body: anthropicMessagesRequestSchema, tags: ['anthropic'], summary: 'Create a message (Anthropic-compatible)' } },
    async (request, reply) =>
      chatFlow(calls, request, reply, request.body as AnthropicMessagesRequest, {
        surface: 'anthropic',
        call: (chosen, upstream, signal) => options.executor.messages(chosen, upstream, calls.executeOptions(request, signal)),
        stream: (upstream, chosen, claim, ticket, guarded) => streamMessages(request, reply, upstream, chosen, claim, ticket, guarded),
      }),
  );

  typed.post(
    '/v1/messages/count_tokens',
    {
      schema: {
        body: anthropicCountTokensRequestSchema,
        tags: ['anthropic'],
        summary: 'Count the input tokens of a message (Anthropic upstreams)',
      },
    },
    async (request, reply) => {
      const body = request.body;
      request.gateway.model = body.model;
      const chosen = await calls.plan(request, body.model, 'chat');
      const result = await calls.callProvider(request, reply, chosen, async (signal) => {
        const counted = await options.executor.countTokens(chosen, body, calls.executeOptions(request, signal));
        // Counting is free: no tokens are billed on the record.
        return { ...counted, result: { ...counted.result, usage: { inputTokens: 0, outputTokens: 0 } } };
      });
      return { input_tokens: result.inputTokens };
    },
  );

  async function streamMessages(
    request: FastifyRequest,
    reply: FastifyReply,
    body: AnthropicMessagesRequest,
    chosen: Plan,
    capture: IdempotencyClaim | undefined,
    cache: CacheTicket | undefined,
    guarded: GuardedRequest<unknown> | undefined,
  ) {
    const opened = await calls.openStream(request, (signal) =>
      options.executor.messagesStream(chosen, body, calls.executeOptions(request, signal)),
    );
    const signal = cancelSignal(request.gateway);
    const continuation = new ContinuedStream({
      first: opened,
      plan: chosen,
      continues: prefillTargets(options.catalog().providerTypes),
      transcript: new MessagesTranscript(body),
      open: (rest, followUp: AnthropicMessagesRequest) =>
        options.executor.messagesStream(rest, followUp, calls.executeOptions(request, signal)),
      enabled: continuationWanted(request) && MessagesTranscript.applies(body),
      signal,
      log: request.log,
    });
    const guard = guarded?.outputNeeded && options.guardrails ? new StreamGuard(options.guardrails, { requestId: request.id, guarded, verdicts: request.gateway.guardrails, flags: request.gateway.flags }) : undefined;
    await relayStream(calls, request, reply, chosen, opened, {
      send: async (sse, part) => {
        for (const event of guard ? await guardEvent(guard, part.event) : [part.event]) {
          request.gateway.bodies?.streamed(event.data);
          await sse.send(event.data, event.event);
        }
      },
      // Anthropic's SDK raises an `error` event as an APIError of the error's type.
      error: (sse, error) => sse.send(anthropicErrorBody(error, request.id), 'error'),
      continuation,
      ...(capture ? { capture } : {}),
      ...(cache ? { cache } : {}),
      ...(guard ? { ended: () => guard.record() } : {}),
    });
  }
}

/**
 * Passes an event through the stream's output guardrails (per content block): a text delta carries the
 * text that may leave now (none: the event is dropped), and a text block's stop is preceded by a delta
 * with what was held back.
 */
async function guardEvent(guard: StreamGuard, event: AnthropicStreamEvent): Promise<AnthropicStreamEvent[]> {
  const { data } = event;
  const index = typeof data['index'] === 'number' ? data['index'] : 0;
  if (data.type === 'content_block_delta') {
    const delta = data['delta'] as { type?: string; text?: unknown } | undefined;
    if (delta?.type !== 'text_delta' || typeof delta.text !== 'string') return [event];
    const text = await guard.push(index, delta.text);
    return text ? [{ event: event.event, data: { ...data, delta: { ...delta, text } } }] : [];
  }
  if (data.type === 'content_block_stop') {
    const rest = await guard.finish(index);
    if (rest) return [{ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: rest } } }, event];
  }
  return [event];
}
