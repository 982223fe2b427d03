import { modelDeployments } from '@gateway/config';
import { deploymentId, type Deployment } from '@gateway/deployment-state';
import type { RoutingCatalog } from './catalog.ts';

/** Every deployment of the catalog's models (targets at any depth and fallbacks), once each, ordered by `provider/model`. */
export function catalogDeployments(catalog: RoutingCatalog): Deployment[] {
  const seen = new Map<string, Deployment>();
  for (const routing of catalog.models.values()) {
    for (const { provider, model } of modelDeployments(routing)) seen.set(deploymentId({ provider, model }), { provider, model });
  }
  return [...seen.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)).map(([, deployment]) => deployment);
}
