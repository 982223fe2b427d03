import { GatewayError, type EmbeddingsRequest, type EmbeddingsResponse } from '@gateway/contracts';
import type { Usage, Warning } from '../types.ts';
import { unsupportedSetting } from '../warnings.ts';
import type { GeminiBatchEmbedRequest } from './wire.ts';

const mappedFields = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user']);

/** Gemini has no rule for turning its tokens into characters; four characters a token is the usual guess. */
const charactersPerToken = 4;

function textsOf(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.every((item): item is string => typeof item === 'string')) return input;
  throw new GatewayError('invalid_request', 'Gemini embeds text only: input must be a string or a list of strings, not tokens', {
    param: 'input',
  });
}

export function batchEmbedRequest(
  request: EmbeddingsRequest,
  resourceName: string,
  provider: string,
): { body: GeminiBatchEmbedRequest; texts: string[]; warnings: Warning[] } {
  const texts = textsOf(request.input);
  const warnings: Warning[] = [];
  for (const [field, value] of Object.entries(request)) {
    if (value === undefined || value === null) continue;
    if (field === 'user' || !mappedFields.has(field)) warnings.push(unsupportedSetting(provider, field));
  }
  const body: GeminiBatchEmbedRequest = {
    requests: texts.map((text) => ({
      model: resourceName,
      content: { parts: [{ text }] },
      ...(request.dimensions !== undefined ? { outputDimensionality: request.dimensions } : {}),
    })),
  };
  return { body, texts, warnings };
}

function base64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

/**
 * Gemini's vectors → OpenAI's embeddings list (base64 encoded here when asked). Gemini reports no token
 * count for embeddings; unless a future answer carries one, usage is estimated from the text length and
 * a warning says so.
 */
export function toEmbeddingsResult(
  upstream: { embeddings: Array<{ values: number[] }>; usageMetadata?: { promptTokenCount?: number | undefined } | undefined },
  request: EmbeddingsRequest,
  texts: string[],
  model: string,
  provider: string,
): { response: EmbeddingsResponse; usage: Usage; warnings: Warning[] } {
  const warnings: Warning[] = [];
  let tokens = upstream.usageMetadata?.promptTokenCount;
  if (tokens === undefined) {
    tokens = texts.reduce((sum, text) => sum + Math.ceil(text.length / charactersPerToken), 0);
    warnings.push({
      type: 'other',
      message: `provider ${provider} reports no token usage for embeddings; usage is estimated at ${charactersPerToken} characters a token`,
    });
  }
  const base64 = request.encoding_format === 'base64';
  return {
    response: {
      object: 'list',
      data: upstream.embeddings.map((embedding, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? base64Floats(embedding.values) : embedding.values,
      })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    usage: { inputTokens: tokens, outputTokens: 0 },
    warnings,
  };
}
