import { z } from 'zod';

/**
 * What the translation reads from an OpenAI-protocol answer beyond the contract's types: tool calls
 * and reasoning text, checked loosely since vendors vary (some leave out `type`, or `index` on whole
 * calls).
 */

export const toolCallSchema = z.looseObject({
  id: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const toolCallFragmentSchema = toolCallSchema.extend({ index: z.number().int().nullish() });
export type ToolCallFragment = z.infer<typeof toolCallFragmentSchema>;

const toolCallsSchema = z.array(toolCallSchema);
const toolCallFragmentsSchema = z.array(toolCallFragmentSchema);

/** An answer's (or a chunk delta's) tool calls; anything not shaped like them counts as none. */
export function readToolCalls(value: unknown): z.infer<typeof toolCallSchema>[] {
  const parsed = toolCallsSchema.safeParse(value);
  return parsed.success ? parsed.data : [];
}

export function readToolCallFragments(value: unknown): ToolCallFragment[] {
  const parsed = toolCallFragmentsSchema.safeParse(value);
  return parsed.success ? parsed.data : [];
}

/**
 * Reasoning text: `reasoning_content` (DeepSeek, and vLLM before it renamed the field) or `reasoning`
 * (OpenRouter, newer vLLM, Groq).
 */
export function readReasoning(message: Record<string, unknown>): string {
  if (typeof message.reasoning_content === 'string') return message.reasoning_content;
  if (typeof message.reasoning === 'string') return message.reasoning;
  return '';
}

/** `{}` for arguments that are not a JSON object: an Anthropic tool_use input is always an object. */
export function parseArguments(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
