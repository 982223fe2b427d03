import { priceFor } from '@gateway/providers';
import type { Usage } from '@gateway/providers';
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
  const override = catalog.modelPrices.get(requestedModel);
  const providerType = catalog.providerTypes.get(target.provider);
  const price = override ?? (providerType ? priceFor(providerType, target.model) : undefined);
  if (!price) return null;
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}
