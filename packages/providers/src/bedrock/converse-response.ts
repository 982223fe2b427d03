import { z } from 'zod';
import type { ChatCompletion } from '@gateway/contracts';
import type { FinishReason, Usage } from '../types.ts';
import { openAiFinishReason, toOpenAiUsage } from '../openai-shapes/index.ts';
import { structuredFinish, unifyFinishReason } from './finish-reason.ts';
import { converseUsageSchema, toUsage } from './usage.ts';

/** What Converse answers, checked loosely (Amazon adds fields: metrics, trace, performanceConfig…). */
const contentBlockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: z.looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
  reasoningContent: z
    .looseObject({ reasoningText: z.looseObject({ text: z.string().optional() }).optional() })
    .optional(),
});

export const converseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ role: z.string().optional(), content: z.array(contentBlockSchema) }).optional(),
  }),
  stopReason: z.string().optional(),
  usage: converseUsageSchema.optional(),
});
export type ConverseResponse = z.infer<typeof converseResponseSchema>;

export interface ConverseChatResult {
  response: ChatCompletion;
  usage: Usage;
  finishReason: FinishReason;
}

/**
 * A Converse answer → an OpenAI chat completion: text blocks → `content`, `toolUse` → `tool_calls`
 * (arguments as JSON text), reasoning text → `reasoning_content`. The structured-output tool's input
 * (response_format json_schema) becomes the content.
 */
export function toChatCompletion(
  upstream: ConverseResponse,
  options: { id: string; model: string; structuredOutputTool: string | undefined },
): ConverseChatResult {
  let content = '';
  let reasoning = '';
  let structuredOnly = false;
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const block of upstream.output.message?.content ?? []) {
    if (block.text !== undefined) content += block.text;
    if (block.reasoningContent?.reasoningText?.text !== undefined) reasoning += block.reasoningContent.reasoningText.text;
    if (block.toolUse) {
      const argumentsText = JSON.stringify(block.toolUse.input ?? {});
      if (block.toolUse.name === options.structuredOutputTool) {
        content += argumentsText;
        structuredOnly = true;
      } else {
        toolCalls.push({ id: block.toolUse.toolUseId, type: 'function', function: { name: block.toolUse.name, arguments: argumentsText } });
      }
    }
  }
  const usage = toUsage(upstream.usage ?? {});
  const finishReason = structuredFinish(unifyFinishReason(upstream.stopReason), structuredOnly && toolCalls.length === 0);
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: content.length > 0 || toolCalls.length === 0 ? content : null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning.length > 0) message.reasoning_content = reasoning;
  return {
    response: {
      id: options.id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: options.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: openAiFinishReason(finishReason) }],
      usage: toOpenAiUsage(usage),
    },
    usage,
    finishReason,
  };
}
