import { z } from 'zod';
import { GatewayError } from '@gateway/contracts';

/**
 * The Anthropic content blocks the translation reads. The contract checks only that a block has a
 * `type`; these check the fields each kind needs, so a malformed block is the client's 400 here rather
 * than something the upstream refuses later with a less helpful message.
 */

export const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

export const imageBlockSchema = z.looseObject({
  type: z.literal('image'),
  source: z.union([
    z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
    // Files API references: only Anthropic can resolve them.
    z.looseObject({ type: z.literal('file'), file_id: z.string() }),
  ]),
});
export type ImageBlock = z.infer<typeof imageBlockSchema>;

export const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
});

export const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional(),
});
export type ToolResultBlock = z.infer<typeof toolResultBlockSchema>;

/** Parses a block with its kind's schema; a mismatch names where the block is. */
export function readBlock<Schema extends z.ZodType>(schema: Schema, block: unknown, where: string): z.infer<Schema> {
  const parsed = schema.safeParse(block);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  throw new GatewayError('invalid_request', `${where}${field}: ${issue?.message ?? 'malformed content block'}`, {
    param: where,
  });
}

/** Whether a block asks for a prompt-cache breakpoint. */
export function hasCacheControl(block: Record<string, unknown>): boolean {
  return block.cache_control !== undefined && block.cache_control !== null;
}
