import { z } from 'zod';

/**
 * Anthropic Messages API wire shapes (https://docs.anthropic.com/en/api/messages). Requests on the
 * Anthropic surface (`POST /v1/messages`) are validated for what the gateway needs and must reject
 * early; the rest is kept as sent (`looseObject`) so an Anthropic upstream receives it unchanged.
 */

const contentBlockSchema = z.looseObject({ type: z.string() });

export const anthropicMessageParamSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});
export type AnthropicMessageParam = z.infer<typeof anthropicMessageParamSchema>;

export const anthropicToolSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
});

export const anthropicToolChoiceSchema = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().optional(),
});

export const anthropicMessagesRequestSchema = z.looseObject({
  model: z.string().min(1, 'model is required'),
  messages: z.array(anthropicMessageParamSchema).min(1, 'messages must not be empty'),
  max_tokens: z.number().int().positive('max_tokens must be a positive integer'),
  system: z.union([z.string(), z.array(contentBlockSchema)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(anthropicToolSchema).optional(),
  tool_choice: anthropicToolChoiceSchema.optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
});
export type AnthropicMessagesRequest = z.infer<typeof anthropicMessagesRequestSchema>;

/** `POST /v1/messages/count_tokens`: a messages request without `max_tokens` and `stream`. */
export const anthropicCountTokensRequestSchema = anthropicMessagesRequestSchema.omit({ max_tokens: true, stream: true });
export type AnthropicCountTokensRequest = z.infer<typeof anthropicCountTokensRequestSchema>;

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  [extra: string]: unknown;
}

export type AnthropicContentBlock =
  | { type: 'text'; text: string; [extra: string]: unknown }
  | { type: 'tool_use'; id: string; name: string; input: unknown; [extra: string]: unknown }
  | { type: 'thinking'; thinking: string; signature?: string; [extra: string]: unknown }
  | { type: string; [extra: string]: unknown };

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | string | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
  [extra: string]: unknown;
}

/**
 * One server-sent event of a streamed message: `event` is the SSE event name, `data` its JSON. The
 * sequence is `message_start`, then per content block `content_block_start`, `content_block_delta`…,
 * `content_block_stop`, then `message_delta` (stop reason, output usage) and `message_stop`; `ping`
 * may come anywhere, `error` ends a failed stream.
 */
export interface AnthropicStreamEvent {
  event: string;
  data: { type: string; [field: string]: unknown };
}

export interface AnthropicCountTokensResponse {
  input_tokens: number;
}

/** Anthropic's error `type`s (https://docs.anthropic.com/en/api/errors). */
export const anthropicErrorTypes = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
  'timeout_error',
] as const;
export type AnthropicErrorType = (typeof anthropicErrorTypes)[number];

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType | string; message: string; code?: string; source?: string };
  request_id?: string;
}
