import { GatewayError, type AnthropicStreamEvent } from '@gateway/contracts';
import type { FinishReason, MessagesStreamPart, StreamPart } from '../types.ts';
import { toAnthropicUsage } from './anthropic-usage.ts';
import { BlockSequencer, event } from './block-sequencer.ts';
import { newMessageId } from './ids.ts';
import { readReasoning, readToolCallFragments } from './openai-answer.ts';
import { toStopReason } from './stop-reason.ts';

/**
 * An OpenAI chat stream as Anthropic stream events: `message_start` and a `ping`, the content blocks
 * (ordered by `BlockSequencer`), then `message_delta` with the stop reason and usage and
 * `message_stop`; last the upstream's `finish` part, for the caller to record usage. Only choice 0 is
 * read (Anthropic answers have one). Usage-only chunks carry no content and are skipped: the finish
 * part's usage is the authority. `message_start` reports 0 input tokens: OpenAI-shaped upstreams tell
 * their usage only at the end, so `message_delta` carries the real usage (input tokens included), which
 * the Anthropic SDKs take over the start's. A failing upstream throws from here unchanged, for the caller to
 * turn into Anthropic's `error` event.
 */
export async function* chatStreamToMessageEvents(
  parts: AsyncIterable<StreamPart>,
  options: { model: string; messageId?: string },
): AsyncGenerator<MessagesStreamPart> {
  yield wrap(
    event('message_start', {
      message: {
        id: options.messageId ?? newMessageId(),
        type: 'message',
        role: 'assistant',
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    }),
  );
  yield wrap(event('ping', {}));
  const sequencer = new BlockSequencer();
  let refusal = false;
  for await (const part of parts) {
    if (part.type === 'finish') {
      for (const closing of sequencer.finish()) yield wrap(closing);
      yield wrap(messageDelta(part.finishReason, part.usage, sequencer.sawTool, refusal));
      yield wrap(event('message_stop', {}));
      yield part;
      return;
    }
    if (part.usageOnly) continue;
    const choice = part.chunk.choices.find((candidate) => (candidate.index ?? 0) === 0);
    if (!choice) continue;
    const delta: Record<string, unknown> = choice.delta;
    const events = sequencer.thinking(readReasoning(delta));
    if (typeof delta.content === 'string') events.push(...sequencer.text(delta.content));
    // OpenAI streams a refusal in its own field; Anthropic says it as text, with stop reason "refusal".
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      refusal = true;
      events.push(...sequencer.text(delta.refusal));
    }
    for (const fragment of readToolCallFragments(delta.tool_calls)) events.push(...sequencer.tool(fragment));
    for (const translated of events) yield wrap(translated);
  }
  throw new GatewayError('internal_error', 'the upstream stream ended without a finish part');
}

function messageDelta(
  finishReason: FinishReason,
  usage: Extract<StreamPart, { type: 'finish' }>['usage'],
  sawTool: boolean,
  refusal: boolean,
) {
  return event('message_delta', {
    delta: { stop_reason: refusal ? 'refusal' : toStopReason(finishReason, sawTool), stop_sequence: null },
    usage: usage ? toAnthropicUsage(usage) : { output_tokens: 0 },
  });
}

function wrap(translated: AnthropicStreamEvent): MessagesStreamPart {
  return { type: 'event', event: translated };
}
