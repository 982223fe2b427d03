import type { InlineRoutingConfig } from '@gateway/config';

/** USD per million tokens. */
export interface DeploymentPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * A model's routing as the router uses it: gateway.yaml's shape without `name` and `price` (the same
 * as an inline `x-gateway-config`), validated when it was loaded.
 */
export type ModelRouting = InlineRoutingConfig;

/** What the router knows: configured models with their routing, provider names, and list prices. */
export interface RoutingCatalog {
  models: ReadonlyMap<string, ModelRouting>;
  providers: ReadonlySet<string>;
  /** The catalog (list) price of a deployment, for the `cost` strategy when its target has no `price`. */
  priceOf?: (provider: string, model: string) => DeploymentPrice | undefined;
}
