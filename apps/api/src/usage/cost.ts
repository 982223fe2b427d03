import { costUsd as costAtPrice, priceFor, type Usage } from '@gateway/providers';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';

/**
 * Cost in USD of one call: the configured model's price when gateway.yaml gives one, otherwise the
 * built-in catalog's price for the upstream model; null when neither knows it.
 */
export function costUsd(
  catalog: ProviderCatalog,
  requestedModel: string,
  target: { provider: string; model: string },
  usage: Usage,
): number | null {
  const providerType = catalog.providerTypes.get(target.provider);
  const price = catalog.modelPrices.get(requestedModel) ?? (providerType ? priceFor(providerType, target.model) : undefined);
  return price ? costAtPrice(price, usage) : null;
}
