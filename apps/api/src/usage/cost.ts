import { costUsd as costAtPrice, priceFor, type Price, type Usage } from '@gateway/providers';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';

/**
 * The price of one call: the target's own price when the plan gives one, else the configured model's
 * price, else the built-in catalog's price for the upstream model; undefined when none knows it.
 */
export function priceOf(
  catalog: ProviderCatalog,
  requestedModel: string,
  target: { provider: string; model: string; price?: Price | undefined },
): Price | undefined {
  if (target.price) return target.price;
  const providerType = catalog.providerTypes.get(target.provider);
  return catalog.modelPrices.get(requestedModel) ?? (providerType ? priceFor(providerType, target.model) : undefined);
}

/** Cost in USD of one call at `priceOf`'s price; null when the call has no price. */
export function costUsd(
  catalog: ProviderCatalog,
  requestedModel: string,
  target: { provider: string; model: string; price?: Price | undefined },
  usage: Usage,
): number | null {
  const price = priceOf(catalog, requestedModel, target);
  return price ? costAtPrice(price, usage) : null;
}
