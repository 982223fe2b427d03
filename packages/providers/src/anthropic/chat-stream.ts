import type { ChatCompletionChunk } from '@gateway/contracts';
import type { UpstreamClient, UpstreamResponse } from '../http.ts';
import type { StreamPart } from '../types.ts';
import { openAiFinishReason, toOpenAiUsage } from '../openai-shapes/index.ts';
import { unifyStopReason } from './finish-reason.ts';
import { upstreamEvents } from './stream-events.ts';
import { mergeUsage, toUsage, upstreamUsageSchema, type UpstreamUsage } from './usage.ts';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/** What a content block of the stream becomes on the OpenAI side. */
type BlockKind = { kind: 'text' | 'thinking' | 'response' | 'other' } | { kind: 'tool'; toolIndex: number };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function usageOf(value: unknown): UpstreamUsage | undefined {
  const parsed = upstreamUsageSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Anthropic's stream events → OpenAI chunks. Text deltas become `content`, each `tool_use` block a
 * tool call with its own index (0, 1, 2… in the order of the tool blocks) whose `input_json_delta`
 * fragments are its `arguments`, thinking deltas `reasoning_content`; `message_delta` gives the chunk
 * with the finish reason, then come the usage-only chunk and the finish part. The role chunk is held
 * back until there is something to say, so an `error` event (e.g. overloaded) that arrives before any
 * content fails the stream before its first part, while the executor may still try another target.
 */
export async function* chatStreamParts(
  client: UpstreamClient,
  response: UpstreamResponse,
  signal: AbortSignal | undefined,
  model: string,
  responseTool: string | undefined,
): AsyncGenerator<StreamPart> {
  let id = '';
  let responseModel = model;
  const created = Math.floor(Date.now() / 1000);
  let usage: UpstreamUsage = {};
  let stopReason: string | null = null;
  let roleSent = false;
  let toolCount = 0;
  let answeredAsText = false;
  const blocks = new Map<number, BlockKind>();

  const chunk = (delta: Delta, finishReason: string | null = null): StreamPart => ({
    type: 'chunk',
    chunk: { id, object: 'chat.completion.chunk', created, model: responseModel, choices: [{ index: 0, delta, finish_reason: finishReason }] },
  });
  function* withRole(delta: Delta): Generator<StreamPart> {
    if (!roleSent) {
      roleSent = true;
      yield chunk({ role: 'assistant', content: '' });
    }
    yield chunk(delta);
  }

  for await (const { data } of upstreamEvents(client, response, signal)) {
    switch (data.type) {
      case 'message_start': {
        const message = isRecord(data.message) ? data.message : {};
        if (typeof message.id === 'string') id = message.id;
        if (typeof message.model === 'string') responseModel = message.model;
        usage = mergeUsage(usage, usageOf(message.usage) ?? {});
        break;
      }
      case 'content_block_start': {
        const index = typeof data.index === 'number' ? data.index : blocks.size;
        const block = isRecord(data.content_block) ? data.content_block : {};
        if (block.type === 'text') {
          blocks.set(index, { kind: 'text' });
          if (typeof block.text === 'string' && block.text.length > 0) yield* withRole({ content: block.text });
        } else if (block.type === 'thinking') {
          blocks.set(index, { kind: 'thinking' });
          if (typeof block.thinking === 'string' && block.thinking.length > 0) yield* withRole({ reasoning_content: block.thinking });
        } else if (block.type === 'tool_use' && responseTool !== undefined && block.name === responseTool) {
          blocks.set(index, { kind: 'response' });
          answeredAsText = true;
        } else if (block.type === 'tool_use') {
          const toolIndex = toolCount;
          toolCount += 1;
          blocks.set(index, { kind: 'tool', toolIndex });
          yield* withRole({
            tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
          });
        } else {
          blocks.set(index, { kind: 'other' });
        }
        break;
      }
      case 'content_block_delta': {
        const block = typeof data.index === 'number' ? blocks.get(data.index) : undefined;
        const delta = isRecord(data.delta) ? data.delta : {};
        if (delta.type === 'text_delta' && typeof delta.text === 'string' && block?.kind === 'text') {
          yield* withRole({ content: delta.text });
        } else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') {
          yield* withRole({ reasoning_content: delta.thinking });
        } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json.length > 0) {
          if (block?.kind === 'tool') {
            yield* withRole({ tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] });
          } else if (block?.kind === 'response') {
            yield* withRole({ content: delta.partial_json });
          }
        }
        break;
      }
      case 'message_delta': {
        const delta = isRecord(data.delta) ? data.delta : {};
        if (typeof delta.stop_reason === 'string') stopReason = delta.stop_reason;
        usage = mergeUsage(usage, usageOf(data.usage) ?? {});
        const finishReason = unifyStopReason(stopReason, answeredAsText && toolCount === 0);
        if (!roleSent) {
          roleSent = true;
          yield chunk({ role: 'assistant', content: '' });
        }
        yield chunk({}, openAiFinishReason(finishReason));
        break;
      }
      default:
        // ping, content_block_stop, message_stop and event types added later carry nothing to map.
        break;
    }
  }
  const normalised = toUsage(usage);
  yield {
    type: 'chunk',
    chunk: { id, object: 'chat.completion.chunk', created, model: responseModel, choices: [], usage: toOpenAiUsage(normalised) },
    usageOnly: true,
  };
  yield { type: 'finish', finishReason: unifyStopReason(stopReason, answeredAsText && toolCount === 0), usage: normalised };
}
