import { z } from 'zod';
import type { EmbeddingsRequest, EmbeddingsResponse } from '@gateway/contracts';
import type { Usage } from '../types.ts';
import { usageSchema } from './usage.ts';

/** The client's request as sent (input, encoding_format, dimensions, user, …), with the upstream model. */
export function embeddingsRequestBody(request: EmbeddingsRequest, model: string): Record<string, unknown> {
  return { ...request, model };
}

export const upstreamEmbeddingsSchema = z.looseObject({
  model: z.string().optional(),
  data: z.array(
    z.looseObject({
      index: z.number().int().optional(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  usage: usageSchema.nullable().optional(),
});
export type UpstreamEmbeddings = z.infer<typeof upstreamEmbeddingsSchema>;

export function toEmbeddingsResponse(upstream: UpstreamEmbeddings, model: string): { response: EmbeddingsResponse; usage: Usage } {
  const promptTokens = upstream.usage?.prompt_tokens ?? 0;
  return {
    response: {
      object: 'list',
      data: upstream.data.map((item, position) => ({
        object: 'embedding',
        index: item.index ?? position,
        embedding: item.embedding,
      })),
      model: upstream.model ?? model,
      usage: { prompt_tokens: promptTokens, total_tokens: upstream.usage?.total_tokens ?? promptTokens },
    },
    usage: { inputTokens: promptTokens, outputTokens: 0 },
  };
}
