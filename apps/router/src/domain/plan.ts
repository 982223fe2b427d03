import { GatewayError, keyAllowsModel, type Plan, type PlanRequest } from '@gateway/contracts';
import type { RoutingCatalog } from './catalog.ts';
import { weightedOrder } from './weighted-order.ts';

/**
 * Resolves the model a client asked for into an ordered plan. A configured model name wins; otherwise
 * `<provider name>/<upstream model>` addresses a provider directly.
 */
export function planRequest(request: PlanRequest, catalog: RoutingCatalog, random: () => number = Math.random): Plan {
  const configured = catalog.models.get(request.model);
  if (configured) {
    if (!keyAllowsModel(request.key.models, request.model)) throw notAllowed(request.model);
    const targets = configured.targets.filter((target) => catalog.providers.has(target.provider));
    if (targets.length === 0) {
      throw new GatewayError('model_not_found', `Model "${request.model}" has no target with a configured provider`, {
        source: 'router',
        param: 'model',
      });
    }
    switch (configured.strategy) {
      case 'single':
        return { model: request.model, strategy: 'single', targets: targets.slice(0, 1) };
      case 'fallback':
        return { model: request.model, strategy: 'fallback', targets: [...targets] };
      case 'loadbalance':
        return { model: request.model, strategy: 'loadbalance', targets: weightedOrder(targets, random) };
    }
  }

  const slash = request.model.indexOf('/');
  if (slash > 0 && slash < request.model.length - 1) {
    const provider = request.model.slice(0, slash);
    if (catalog.providers.has(provider)) {
      if (!keyAllowsModel(request.key.models, request.model)) throw notAllowed(request.model);
      return { model: request.model, strategy: 'single', targets: [{ provider, model: request.model.slice(slash + 1) }] };
    }
  }
  throw new GatewayError('model_not_found', `The model "${request.model}" does not exist or is not configured on this gateway`, {
    source: 'router',
    param: 'model',
  });
}

function notAllowed(model: string): GatewayError {
  return new GatewayError('model_not_allowed', `This API key is not allowed to use the model "${model}"`, {
    source: 'router',
    param: 'model',
  });
}
