import type { ProviderType, Usage } from './types.ts';

/** USD per million tokens. */
export interface Price {
  inputPerMillion: number;
  outputPerMillion: number;
}

type Catalog = Readonly<Record<string, Price>>;

const price = (inputPerMillion: number, outputPerMillion: number): Price => ({ inputPerMillion, outputPerMillion });

/*
 * List prices as the vendors published them on their pricing pages, checked 2025-06 (standard tier,
 * no cache discounts, no batch discounts). Prices change: config overrides them per model, and a model
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
};

/** `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`: dated snapshots cost what their model costs unless listed. */
function withoutDateSuffix(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
}

/** The list price of an upstream model, or undefined when the catalog does not know it. */
export function priceFor(providerType: ProviderType, upstreamModel: string): Price | undefined {
  const catalog = catalogs[providerType];
  if (!catalog) return undefined;
  const lookup = (model: string): Price | undefined => (Object.hasOwn(catalog, model) ? catalog[model] : undefined);
  return lookup(upstreamModel) ?? lookup(withoutDateSuffix(upstreamModel));
}

/** The cost in USD of the usage at the price. */
export function costUsd(price: Price, usage: Usage): number {
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}
