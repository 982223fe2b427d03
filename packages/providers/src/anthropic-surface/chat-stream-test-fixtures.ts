import type { MessagesStreamPart, StreamPart, Usage } from '../types.ts';

/**
 * For tests only (named so that the `*.test.ts` pattern does not run it, while typecheck covers it):
 * OpenAI chat stream parts in the wire shape of OpenAI's streaming reference (one
 * `chat.completion.chunk` per delta, tool call fragments keyed by `index`, the id and name in a call's
 * first fragment only), and the SSE text an Anthropic client reads.
 */

export function chunk(delta: Record<string, unknown>, finishReason: string | null = null): StreamPart {
  return {
    type: 'chunk',
    chunk: {
      id: 'chatcmpl-7f3',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    },
  };
}

export function toolFragment(index: number, fields: { id?: string; name?: string; arguments?: string }): StreamPart {
  const call: Record<string, unknown> = { index, function: { ...(fields.name ? { name: fields.name } : {}), arguments: fields.arguments ?? '' } };
  if (fields.id) {
    call.id = fields.id;
    call.type = 'function';
  }
  return chunk({ tool_calls: [call] });
}

export function usageOnly(usage: Usage): StreamPart {
  return {
    type: 'chunk',
    usageOnly: true,
    chunk: {
      id: 'chatcmpl-7f3',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o-2024-08-06',
      choices: [],
      usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
    },
  };
}

export function finish(raw: string, unified: 'stop' | 'length' | 'tool_calls', usage: Usage | null): StreamPart {
  return { type: 'finish', finishReason: { unified, raw }, usage };
}

export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The events of translated parts as Anthropic's SSE: `event: <name>` then `data: <json>`. */
export function toSse(parts: readonly MessagesStreamPart[]): string[] {
  return parts.flatMap((part) => (part.type === 'event' ? [`event: ${part.event.event}\ndata: ${JSON.stringify(part.event.data)}\n\n`] : []));
}
