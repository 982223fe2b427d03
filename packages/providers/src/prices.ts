import type { ProviderType, Usage } from './types.ts';

/** USD per million tokens. */
export interface Price {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Input read from the provider's prompt cache; default: the input price. */
  cachedInputPerMillion?: number;
  /** Input written to the provider's prompt cache (Anthropic, Bedrock); default: the input price. */
  cacheWriteInputPerMillion?: number;
}

type Catalog = Readonly<Record<string, Price>>;

const price = (inputPerMillion: number, outputPerMillion: number, cache?: { read: number; write?: number }): Price => ({
  inputPerMillion,
  outputPerMillion,
  ...(cache ? { cachedInputPerMillion: cache.read } : {}),
  ...(cache?.write !== undefined ? { cacheWriteInputPerMillion: cache.write } : {}),
});

/*
 * List prices as the vendors published them on their pricing pages, checked 2025-06 (standard tier,
 * no batch discounts; prompt-cache prices where a vendor lists them and the catalog says so). Prices change: config overrides them per model, and a model
 * missing here simply has no cost (null) rather than a guessed one.
 */
const openAi: Catalog = {
  'gpt-4o': price(2.5, 10),
  'gpt-4o-2024-05-13': price(5, 15),
  'gpt-4o-mini': price(0.15, 0.6),
  'gpt-4.1': price(2, 8),
  'gpt-4.1-mini': price(0.4, 1.6),
  'gpt-4.1-nano': price(0.1, 0.4),
  'o1': price(15, 60),
  'o3': price(2, 8),
  'o3-mini': price(1.1, 4.4),
  'o4-mini': price(1.1, 4.4),
  'gpt-4-turbo': price(10, 30),
  'gpt-3.5-turbo': price(0.5, 1.5),
  'text-embedding-3-small': price(0.02, 0),
  'text-embedding-3-large': price(0.13, 0),
  'text-embedding-ada-002': price(0.1, 0),
};

const groq: Catalog = {
  'llama-3.3-70b-versatile': price(0.59, 0.79),
  'llama-3.1-8b-instant': price(0.05, 0.08),
  'gemma2-9b-it': price(0.2, 0.2),
};

const mistral: Catalog = {
  'mistral-large-latest': price(2, 6),
  'mistral-medium-latest': price(0.4, 2),
  'mistral-small-latest': price(0.1, 0.3),
  'codestral-latest': price(0.3, 0.9),
  'open-mistral-nemo': price(0.15, 0.15),
  'mistral-embed': price(0.1, 0),
};

const deepseek: Catalog = {
  'deepseek-chat': price(0.27, 1.1),
  'deepseek-reasoner': price(0.55, 2.19),
};

const xai: Catalog = {
  'grok-3': price(3, 15),
  'grok-3-mini': price(0.3, 0.5),
};

/*
 * Anthropic: cache reads at 0.1× and 5-minute cache writes at 1.25× the input price. Base names price
 * the dated ids (`claude-sonnet-4-20250514` → `claude-sonnet-4`); the `-0` and `-latest` aliases are
 * the names Anthropic's alias list gives.
 */
const opus = price(15, 75, { read: 1.5, write: 18.75 });
const sonnet = price(3, 15, { read: 0.3, write: 3.75 });
const haiku45 = price(1, 5, { read: 0.1, write: 1.25 });
const haiku35 = price(0.8, 4, { read: 0.08, write: 1 });
const haiku3 = price(0.25, 1.25, { read: 0.03, write: 0.3 });
const anthropic: Catalog = {
  'claude-opus-4-1': opus,
  'claude-opus-4': opus,
  'claude-opus-4-0': opus,
  'claude-sonnet-4-5': sonnet,
  'claude-sonnet-4': sonnet,
  'claude-sonnet-4-0': sonnet,
  'claude-3-7-sonnet': sonnet,
  'claude-3-7-sonnet-latest': sonnet,
  'claude-haiku-4-5': haiku45,
  'claude-3-5-haiku': haiku35,
  'claude-3-5-haiku-latest': haiku35,
  'claude-3-haiku': haiku3,
};

/* Gemini: standard tier, prompts up to 200k tokens; cached input at the context-cache price. */
const gemini: Catalog = {
  'gemini-2.5-pro': price(1.25, 10, { read: 0.31 }),
  'gemini-2.5-flash': price(0.3, 2.5, { read: 0.075 }),
  'gemini-2.5-flash-lite': price(0.1, 0.4, { read: 0.025 }),
  'gemini-2.0-flash': price(0.1, 0.4, { read: 0.025 }),
  'text-embedding-004': price(0, 0),
};

/* Bedrock on-demand, us-east-1, by model id. */
const bedrock: Catalog = {
  'anthropic.claude-opus-4-1-20250805-v1:0': opus,
  'anthropic.claude-opus-4-20250514-v1:0': opus,
  'anthropic.claude-sonnet-4-5-20250929-v1:0': sonnet,
  'anthropic.claude-sonnet-4-20250514-v1:0': sonnet,
  'anthropic.claude-3-7-sonnet-20250219-v1:0': sonnet,
  'anthropic.claude-3-5-sonnet-20241022-v2:0': price(3, 15),
  'anthropic.claude-3-5-sonnet-20240620-v1:0': price(3, 15),
  'anthropic.claude-haiku-4-5-20251001-v1:0': haiku45,
  'anthropic.claude-3-5-haiku-20241022-v1:0': haiku35,
  'anthropic.claude-3-haiku-20240307-v1:0': price(0.25, 1.25),
  'amazon.nova-micro-v1:0': price(0.035, 0.14),
  'amazon.nova-lite-v1:0': price(0.06, 0.24),
  'amazon.nova-pro-v1:0': price(0.8, 3.2),
  'meta.llama3-1-8b-instruct-v1:0': price(0.22, 0.22),
  'meta.llama3-1-70b-instruct-v1:0': price(0.72, 0.72),
};

const together: Catalog = {
  'meta-llama/Llama-3.3-70B-Instruct-Turbo': price(0.88, 0.88),
};

const catalogs: Partial<Record<ProviderType, Catalog>> = {
  openai: openAi,
  // Azure deployments are often named after their model; a deployment with another name has no price.
  'azure-openai': openAi,
  groq,
  mistral,
  deepseek,
  xai,
  together,
  anthropic,
  gemini,
  bedrock,
};

/**
 * `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`: dated
 * snapshots cost what their model costs unless listed. Bedrock's cross-region inference profiles
 * (`us.anthropic.…`) cost what the model costs.
 */
function withoutDateSuffix(model: string): string {
  return model.replace(/^(?:us|eu|apac|global)\.(?=[a-z]+\.)/, '').replace(/-(?:\d{4}-\d{2}-\d{2}|\d{8})$/, '');
}

/** The list price of an upstream model, or undefined when the catalog does not know it. */
export function priceFor(providerType: ProviderType, upstreamModel: string): Price | undefined {
  const catalog = catalogs[providerType];
  if (!catalog) return undefined;
  const lookup = (model: string): Price | undefined => (Object.hasOwn(catalog, model) ? catalog[model] : undefined);
  return lookup(upstreamModel) ?? lookup(withoutDateSuffix(upstreamModel));
}

/**
 * The cost in USD of the usage at the price: cached and cache-write input at their own prices where the
 * price has them, the rest of the input at the input price, all output (reasoning included) at the
 * output price.
 */
export function costUsd(price: Price, usage: Usage): number {
  const cached = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - cached - cacheWrite);
  const input =
    uncached * price.inputPerMillion +
    cached * (price.cachedInputPerMillion ?? price.inputPerMillion) +
    cacheWrite * (price.cacheWriteInputPerMillion ?? price.inputPerMillion);
  return (input + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}
