import { z } from 'zod';
import type { ChatCompletion, ChatCompletionRequest } from '@gateway/contracts';
import type { ProviderType, Warning } from '../types.ts';
import { usageSchema, toOpenAiUsage } from './usage.ts';

/**
 * Provider types that are OpenAI itself: its reasoning models (o1, o3, gpt-5…) refuse `max_tokens`
 * and take `max_completion_tokens`, which every current OpenAI chat model accepts. Other vendors keep
 * `max_tokens`, the field most of them know.
 */
const maxCompletionTokensTypes: ReadonlySet<ProviderType> = new Set<ProviderType>(['openai', 'azure-openai']);

/**
 * The upstream body: the client's request as it came (tools, tool_choice, response_format, image parts,
 * n, seed, stop, logprobs, user, and fields we do not know yet), with `model` replaced by the target's
 * upstream model. Streams always ask for usage (`stream_options.include_usage`), so it is always known.
 * For OpenAI itself a lone `max_tokens` travels as `max_completion_tokens`.
 */
export function chatRequestBody(
  request: ChatCompletionRequest,
  model: string,
  options: { stream: boolean; streamOptions: boolean; provider: string; providerType: ProviderType },
): { body: Record<string, unknown>; warnings: Warning[] } {
  const body: Record<string, unknown> = { ...request, model };
  const warnings: Warning[] = [];
  if (maxCompletionTokensTypes.has(options.providerType) && request.max_tokens != null && request.max_completion_tokens == null) {
    delete body.max_tokens;
    body.max_completion_tokens = request.max_tokens;
  }
  if (!options.stream) {
    // OpenAI rejects stream_options without stream; chat() always answers in one piece.
    delete body.stream;
    delete body.stream_options;
    return { body, warnings };
  }
  body.stream = true;
  if (options.streamOptions) {
    body.stream_options = { ...request.stream_options, include_usage: true };
  } else if (request.stream_options != null) {
    delete body.stream_options;
    warnings.push({
      type: 'unsupported-setting',
      setting: 'stream_options',
      message: `provider ${options.provider} does not accept stream_options; it reports usage in its last chunk instead`,
    });
  }
  return { body, warnings };
}

/** What an OpenAI-protocol upstream answers: checked loosely, extra fields kept. */
export const upstreamChatCompletionSchema = z.looseObject({
  id: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(
    z.looseObject({
      index: z.number().int().optional(),
      message: z.looseObject({ content: z.string().nullable().optional() }),
      finish_reason: z.string().nullable().optional(),
    }),
  ),
  usage: usageSchema.nullable().optional(),
});
export type UpstreamChatCompletion = z.infer<typeof upstreamChatCompletionSchema>;

/** Fills what a lax vendor may leave out, so the result is a complete OpenAI chat completion. */
export function toChatCompletion(upstream: UpstreamChatCompletion, model: string): ChatCompletion {
  const { usage, ...rest } = upstream;
  const completion: ChatCompletion = {
    ...rest,
    id: upstream.id ?? '',
    object: 'chat.completion',
    created: upstream.created ?? Math.floor(Date.now() / 1000),
    model: upstream.model ?? model,
    choices: upstream.choices.map((choice, position) => ({
      ...choice,
      index: choice.index ?? position,
      message: { ...choice.message, role: 'assistant', content: choice.message.content ?? null },
      finish_reason: choice.finish_reason ?? null,
    })),
  };
  if (usage) completion.usage = toOpenAiUsage(usage);
  return completion;
}
