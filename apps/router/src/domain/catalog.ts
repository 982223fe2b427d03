import type { PlanTarget, RoutingStrategy } from '@gateway/contracts';

/** What the router knows: configured model names with their targets, and provider names. */
export interface RoutingCatalog {
  models: ReadonlyMap<string, { strategy: RoutingStrategy; targets: readonly PlanTarget[] }>;
  providers: ReadonlySet<string>;
}
