import { GatewayError, headerNames, keyAllowsModel, type PlanRequest } from '@gateway/contracts';
import { inlineRoutingConfigSchema, modelDeployments } from '@gateway/config';
import type { ModelRouting, RoutingCatalog } from './catalog.ts';

/** Where a request's routing came from. */
export type RoutingSource = 'configured' | 'direct' | 'inline';

export interface ResolvedRouting {
  /** The name for records: the configured name, `<provider>/<model>`, or (inline) what the client sent. */
  model: string;
  routing: ModelRouting;
  source: RoutingSource;
}

/**
 * Finds the routing of a request: an inline `x-gateway-config` (checked against the key), else a
 * configured model name, else `<provider name>/<upstream model>` addressing a provider directly.
 */
export function resolveRouting(request: PlanRequest, catalog: RoutingCatalog): ResolvedRouting {
  if (request.inlineConfig !== undefined) return { model: request.model, routing: inlineRouting(request, catalog), source: 'inline' };

  const configured = catalog.models.get(request.model);
  if (configured) {
    if (!keyAllowsModel(request.key.models, request.model)) throw notAllowed(request.model);
    return { model: request.model, routing: configured, source: 'configured' };
  }

  const slash = request.model.indexOf('/');
  if (slash > 0 && slash < request.model.length - 1) {
    const provider = request.model.slice(0, slash);
    if (catalog.providers.has(provider)) {
      if (!keyAllowsModel(request.key.models, request.model)) throw notAllowed(request.model);
      return {
        model: request.model,
        routing: { strategy: 'single', targets: [{ provider, model: request.model.slice(slash + 1), weight: 1 }] },
        source: 'direct',
      };
    }
  }
  throw new GatewayError('model_not_found', `The model "${request.model}" does not exist or is not configured on this gateway`, {
    source: 'router',
    param: 'model',
  });
}

/**
 * `x-gateway-config`: the shape of a model entry without `name` (tighter regex limits), every provider
 * configured, and every deployment allowed to the key as `<provider>/<model>`.
 */
function inlineRouting(request: PlanRequest, catalog: RoutingCatalog): ModelRouting {
  const parsed = inlineRoutingConfigSchema.safeParse(request.inlineConfig);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new GatewayError('invalid_request', `${headerNames.config} is not a valid routing config: ${where}${issue.message}`, {
      source: 'router',
      param: headerNames.config,
    });
  }
  for (const deployment of modelDeployments(parsed.data)) {
    if (!catalog.providers.has(deployment.provider)) {
      throw new GatewayError('invalid_request', `${headerNames.config}: ${deployment.path.join('.')}.provider: unknown provider "${deployment.provider}"`, {
        source: 'router',
        param: headerNames.config,
      });
    }
    const name = `${deployment.provider}/${deployment.model}`;
    if (!keyAllowsModel(request.key.models, name)) {
      throw new GatewayError('model_not_allowed', `This API key is not allowed to use "${name}" (${headerNames.config} ${deployment.path.join('.')})`, {
        source: 'router',
        param: headerNames.config,
      });
    }
  }
  return parsed.data;
}

function notAllowed(model: string): GatewayError {
  return new GatewayError('model_not_allowed', `This API key is not allowed to use the model "${model}"`, { source: 'router', param: 'model' });
}
