import type { Plan, PlanTarget } from '@gateway/contracts';
import { costUsd } from '@gateway/providers';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';
import { priceOf } from '../usage/cost.ts';

/**
 * Output tokens reserved for a request that names no `max_tokens` (or `max_completion_tokens`): on the
 * high side, so that concurrent requests against a budget reserve more than they will likely spend.
 */
export const defaultOutputTokenEstimate = 4096;

/**
 * Tokens a request is expected to use, before it runs: the body's size in characters / 4 for the input
 * (a rough upper estimate that needs no tokenizer), plus the output limit the body names, or
 * `defaultOutputTokenEstimate`; embeddings produce no output tokens.
 */
export function estimateTokens(body: unknown, bodyChars: number, operation: 'chat' | 'embeddings'): { inputTokens: number; outputTokens: number } {
  const inputTokens = Math.ceil(Math.max(0, bodyChars) / 4);
  if (operation === 'embeddings') return { inputTokens, outputTokens: 0 };
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const named = [fields.max_completion_tokens, fields.max_tokens].find((value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0);
  return { inputTokens, outputTokens: named ?? defaultOutputTokenEstimate };
}

/**
 * The USD reserved for a planned call: the highest cost of the estimate over every target the plan may
 * use (fallbacks included), each at the price its actual cost would be computed with (the target's own
 * price, else the configured model's, else the provider catalog's). A target without a price counts 0,
 * so a plan with no priced target reserves nothing.
 */
export function estimateCostUsd(catalog: ProviderCatalog, plan: Plan, tokens: { inputTokens: number; outputTokens: number }): number {
  const targets: PlanTarget[] = [...plan.targets, ...(plan.fallbacks?.contextWindow ?? []), ...(plan.fallbacks?.contentPolicy ?? [])];
  let highest = 0;
  for (const target of targets) {
    const price = priceOf(catalog, plan.model, target);
    if (price) highest = Math.max(highest, costUsd(price, tokens));
  }
  // A hedged plan may pay for two calls.
  return plan.hedge ? highest * 2 : highest;
}
