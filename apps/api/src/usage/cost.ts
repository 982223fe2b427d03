import { costUsd as costAtPrice, priceFor, type Price, type Usage } from '@gateway/providers';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';

/**
 * Cost in USD of one call: the target's own price when the plan gives one, else the configured model's
 * price, else the built-in catalog's price for the upstream model; null when none knows it.
 */
export function costUsd(
  catalog: ProviderCatalog,
  requestedModel: string,
  target: { provider: string; model: string; price?: Price | undefined },
  usage: Usage,
): number | null {
  const providerType = catalog.providerTypes.get(target.provider);
  const price =
    target.price ?? catalog.modelPrices.get(requestedModel) ?? (providerType ? priceFor(providerType, target.model) : undefined);
  return price ? costAtPrice(price, usage) : null;
}
