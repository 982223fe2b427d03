import type { ChatCompletion } from '@gateway/contracts';
import type { FinishReason, Usage } from '../types.ts';
import { openAiFinishReason, toOpenAiUsage, type OpenAiToolCall } from '../openai-shapes/index.ts';
import { unifyStopReason } from './finish-reason.ts';
import type { UpstreamMessage } from './message-schema.ts';
import { toUsage } from './usage.ts';

/**
 * Anthropic message → OpenAI chat completion: text blocks joined into `content`, `tool_use` blocks as
 * `tool_calls`, thinking as `reasoning_content` (the field OpenAI-compatible reasoning vendors use). The
 * input of the `response_format` tool, when there is one, is the answer's text.
 */
export function toChatCompletion(
  upstream: UpstreamMessage,
  model: string,
  responseTool: string | undefined,
): { response: ChatCompletion; usage: Usage; finishReason: FinishReason } {
  const texts: string[] = [];
  const thinking: string[] = [];
  const toolCalls: OpenAiToolCall[] = [];
  let answeredAsText = false;
  for (const block of upstream.content) {
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'thinking' && typeof block.thinking === 'string') thinking.push(block.thinking);
    else if (block.type === 'tool_use' && typeof block.name === 'string') {
      if (responseTool !== undefined && block.name === responseTool) {
        texts.push(JSON.stringify(block.input ?? {}));
        answeredAsText = true;
      } else {
        toolCalls.push({
          id: typeof block.id === 'string' ? block.id : '',
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
      }
    }
  }
  const usage = toUsage(upstream.usage);
  const finishReason = unifyStopReason(upstream.stop_reason, answeredAsText && toolCalls.length === 0);
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinking.length > 0) message.reasoning_content = thinking.join('');
  return {
    response: {
      id: upstream.id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: upstream.model ?? model,
      choices: [{ index: 0, message, finish_reason: openAiFinishReason(finishReason), logprobs: null }],
      usage: toOpenAiUsage(usage),
    },
    usage,
    finishReason,
  };
}
