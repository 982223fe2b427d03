import { z } from 'zod';
import { upstreamUsageSchema } from './usage.ts';

/** A content block as Anthropic answers it: only `type` is relied on, the rest read per type. */
export const upstreamContentBlockSchema = z.looseObject({ type: z.string() });

/** What `POST /v1/messages` answers, checked loosely: extra fields are kept for the native surface. */
export const upstreamMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message').optional(),
  role: z.literal('assistant').optional(),
  model: z.string().optional(),
  content: z.array(upstreamContentBlockSchema),
  stop_reason: z.string().nullable().optional(),
  stop_sequence: z.string().nullable().optional(),
  usage: upstreamUsageSchema,
});
export type UpstreamMessage = z.infer<typeof upstreamMessageSchema>;

export const upstreamCountTokensSchema = z.looseObject({ input_tokens: z.number().nonnegative() });
