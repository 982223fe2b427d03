import type { AnthropicMessage, ChatCompletion } from '@gateway/contracts';
import type { FinishReason, Usage } from '../types.ts';
import type { TranslatedBlock, TranslatedMessage } from './anthropic-blocks.ts';
import { toAnthropicUsage } from './anthropic-usage.ts';
import { newMessageId, newToolUseId } from './ids.ts';
import { parseArguments, readReasoning, readToolCalls } from './openai-answer.ts';
import { toStopReason } from './stop-reason.ts';

/**
 * An OpenAI chat completion as an Anthropic message: reasoning first (a thinking block), then the text,
 * then one tool_use block per tool call, as Anthropic orders them. `model` is the model the answer
 * names: the executor passes the upstream target's model, so the client sees which model answered. An answer with nothing in it has an empty `content`, as Anthropic's own can have.
 *
 * Tool arguments that are not a JSON object become the input `{}`: Anthropic clients expect an object,
 * and a tool checking its input against its schema then reports what is missing, which the model can
 * act on. The usage passed in (the adapter's, cache counts included) is the authority, not the body's.
 */
export function chatCompletionToMessage(
  completion: ChatCompletion,
  options: { model: string; usage: Usage; finishReason: FinishReason },
): AnthropicMessage {
  return translatedMessage(completion, options);
}

/** The same, typed as precisely as what it builds (for the checks against the Anthropic SDK's types). */
export function translatedMessage(
  completion: ChatCompletion,
  options: { model: string; usage: Usage; finishReason: FinishReason },
): TranslatedMessage {
  const choice = completion.choices.find((candidate) => candidate.index === 0) ?? completion.choices[0];
  const message: Record<string, unknown> = choice?.message ?? {};
  const content: TranslatedBlock[] = [];
  const reasoning = readReasoning(message);
  if (reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = typeof message.content === 'string' ? message.content : '';
  const refusal = typeof message.refusal === 'string' ? message.refusal : '';
  // OpenAI puts a refusal in its own field and leaves content null; Anthropic says it as text.
  if (text !== '') content.push({ type: 'text', text });
  else if (refusal !== '') content.push({ type: 'text', text: refusal });
  const toolCalls = readToolCalls(message.tool_calls);
  for (const call of toolCalls) {
    content.push({
      type: 'tool_use',
      id: call.id || newToolUseId(),
      name: call.function?.name ?? '',
      input: parseArguments(call.function?.arguments),
    });
  }
  const refused = text === '' && refusal !== '';
  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model: options.model,
    content,
    stop_reason: refused ? 'refusal' : toStopReason(options.finishReason, toolCalls.length > 0),
    stop_sequence: null,
    usage: toAnthropicUsage(options.usage),
  };
}
