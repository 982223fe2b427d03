import type { Usage } from '@gateway/providers';

/** How a provider reports token usage in its own answers. */
export type UsageDialect = 'openai' | 'anthropic' | 'gemini';

export function usageDialectOf(providerType: string | undefined): UsageDialect {
  if (providerType === 'anthropic') return 'anthropic';
  if (providerType === 'gemini') return 'gemini';
  return 'openai';
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Collects the usage a provider's answer states, from one JSON body or from the events of a stream,
 * later figures replacing earlier ones (streams restate their totals as they go):
 * - OpenAI: `usage` with `prompt_tokens`/`completion_tokens` (chat, embeddings) or
 *   `input_tokens`/`output_tokens` (Responses API; in its stream under `response.usage`);
 * - Anthropic: `usage` (in `message_start` under `message.usage`, then `message_delta.usage`), whose
 *   `input_tokens` exclude the cache reads and writes, added here so input counts every token;
 * - Gemini: `usageMetadata`, output being candidates plus thoughts.
 */
export class UsageReader {
  private input: number | undefined;
  private output: number | undefined;
  private cachedInput: number | undefined;
  private cacheWriteInput: number | undefined;
  private reasoning: number | undefined;
  /** Anthropic's uncached input, kept apart so a later cache figure can be added to it. */
  private uncachedInput: number | undefined;

  constructor(private readonly dialect: UsageDialect) {}

  observe(body: unknown): void {
    if (!isRecord(body)) return;
    if (this.dialect === 'gemini') {
      if (isRecord(body.usageMetadata)) this.observeGemini(body.usageMetadata);
      return;
    }
    const usage = isRecord(body.usage)
      ? body.usage
      : isRecord(body.response) && isRecord(body.response.usage)
        ? body.response.usage
        : isRecord(body.message) && isRecord(body.message.usage)
          ? body.message.usage
          : undefined;
    if (!usage) return;
    if (this.dialect === 'anthropic') this.observeAnthropic(usage);
    else this.observeOpenAi(usage);
  }

  /** What was read, or undefined when the answer stated no usage at all. */
  usage(): Usage | undefined {
    if (this.input === undefined && this.output === undefined) return undefined;
    return {
      inputTokens: this.input ?? 0,
      outputTokens: this.output ?? 0,
      ...(this.cachedInput !== undefined ? { cachedInputTokens: this.cachedInput } : {}),
      ...(this.cacheWriteInput !== undefined ? { cacheWriteInputTokens: this.cacheWriteInput } : {}),
      ...(this.reasoning !== undefined ? { reasoningTokens: this.reasoning } : {}),
    };
  }

  private observeOpenAi(usage: Json): void {
    const input = count(usage.prompt_tokens) ?? count(usage.input_tokens);
    const output = count(usage.completion_tokens) ?? count(usage.output_tokens);
    const inputDetails = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : usage.input_tokens_details;
    const outputDetails = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : usage.output_tokens_details;
    if (input !== undefined) this.input = input;
    // Embeddings state only input tokens: their output is none.
    if (output !== undefined) this.output = output;
    else if (input !== undefined && this.output === undefined) this.output = 0;
    if (isRecord(inputDetails) && count(inputDetails.cached_tokens) !== undefined) this.cachedInput = count(inputDetails.cached_tokens);
    if (isRecord(outputDetails) && count(outputDetails.reasoning_tokens) !== undefined) this.reasoning = count(outputDetails.reasoning_tokens);
  }

  private observeAnthropic(usage: Json): void {
    const uncached = count(usage.input_tokens);
    const cacheRead = count(usage.cache_read_input_tokens);
    const cacheWrite = count(usage.cache_creation_input_tokens);
    const output = count(usage.output_tokens);
    if (uncached !== undefined) this.uncachedInput = uncached;
    if (cacheRead !== undefined) this.cachedInput = cacheRead;
    if (cacheWrite !== undefined) this.cacheWriteInput = cacheWrite;
    if (this.uncachedInput !== undefined) {
      this.input = this.uncachedInput + (this.cachedInput ?? 0) + (this.cacheWriteInput ?? 0);
    }
    if (output !== undefined) this.output = output;
  }

  private observeGemini(metadata: Json): void {
    const prompt = count(metadata.promptTokenCount);
    const candidates = count(metadata.candidatesTokenCount);
    const thoughts = count(metadata.thoughtsTokenCount);
    const cached = count(metadata.cachedContentTokenCount);
    if (prompt !== undefined) this.input = prompt;
    if (candidates !== undefined || thoughts !== undefined) this.output = (candidates ?? 0) + (thoughts ?? 0);
    if (thoughts !== undefined) this.reasoning = thoughts;
    if (cached !== undefined) this.cachedInput = cached;
  }
}
