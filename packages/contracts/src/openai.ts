import { z } from 'zod';

/**
 * OpenAI wire shapes. Requests are validated for what the gateway needs and must reject early;
 * everything else (tools, response_format, logprobs, seed, …) is kept as sent (`looseObject`) so it
 * reaches OpenAI-compatible providers unchanged.
 */
const contentPartSchema = z.looseObject({ type: z.string() });

export const chatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1, 'model is required'),
  messages: z.array(chatMessageSchema).min(1, 'messages must not be empty'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  user: z.string().optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1, 'model is required'),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int())).min(1),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [extra: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; [extra: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }>;
  usage?: OpenAiUsage;
  [extra: string]: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null; [extra: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }>;
  usage?: OpenAiUsage | null;
  [extra: string]: unknown;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null; request_id?: string; source?: string };
}
