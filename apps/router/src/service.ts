import { Counter } from 'prom-client';
import { GatewayError, routerHealth, routerPing, routerPlan, type PlanRequest, type RouterHealth } from '@gateway/contracts';
import type { Bus, ServiceHandle } from '@gateway/bus';
import { deploymentId, type DeploymentSnapshot, type DeploymentState } from '@gateway/deployment-state';
import { modelMetricLabel, observeRequest, type Logger, type Metrics } from '@gateway/telemetry';
import { catalogDeployments } from './domain/catalog-deployments.ts';
import { unknownSnapshot } from './domain/deployment-health.ts';
import { decidePlan, planDeployments } from './domain/plan.ts';
import type { RoutingCatalog } from './domain/catalog.ts';
import { resolveRouting } from './domain/resolve-routing.ts';

export const routerServiceInfo = { name: 'router', version: '1.0.0', description: 'Model selection: turns a model name into an ordered plan of targets' };

const decisionsMetric = 'gateway_router_decisions_total';

/**
 * `gateway_router_decisions_total{strategy, reason_kind}`: both labels come from closed sets (the
 * strategies, and the kinds of `ReasonKind` plus `direct`, `all-ejected`), never from request data.
 */
function decisionsCounter(metrics: Metrics): Counter<'strategy' | 'reason_kind'> {
  const existing = metrics.registry.getSingleMetric(decisionsMetric);
  if (existing) return existing as Counter<'strategy' | 'reason_kind'>;
  return new Counter({
    name: decisionsMetric,
    help: 'Routing decisions, by strategy and kind of reason (weighted, least-busy, fastest, explore, cheapest, rule, default…)',
    labelNames: ['strategy', 'reason_kind'],
    registers: [metrics.registry],
  });
}

/** Binds the router's contract endpoints to their handlers. */
export function serveRouter(options: {
  bus: Bus;
  catalog: () => RoutingCatalog;
  logger?: Logger;
  metrics?: Metrics;
  deploymentState?: DeploymentState;
  now?: () => number;
}): Promise<ServiceHandle> {
  const decisions = options.metrics ? decisionsCounter(options.metrics) : undefined;
  const now = options.now ?? Date.now;

  /** Health is advisory: when the shared state cannot be read, plan as if every deployment were healthy. */
  const snapshots = async (request: PlanRequest, deployments: ReturnType<typeof planDeployments>): Promise<ReadonlyMap<string, DeploymentSnapshot>> => {
    if (!options.deploymentState || deployments.length === 0) return new Map();
    try {
      return await options.deploymentState.snapshot(deployments);
    } catch (error) {
      options.logger?.warn({ err: error, request_id: request.requestId }, 'deployment state unavailable; planning without health and load');
      return new Map();
    }
  };

  const plan = async (request: PlanRequest) => {
    const catalog = options.catalog();
    const resolved = resolveRouting(request, catalog);
    const strategy = resolved.routing.strategy ?? 'loadbalance';
    try {
      const decision = decidePlan(request, resolved, catalog, { snapshots: await snapshots(request, planDeployments(resolved)), now: now() });
      decisions?.inc({ strategy: decision.plan.strategy, reason_kind: decision.kind });
      options.logger?.debug(
        {
          request_id: request.requestId,
          model: decision.plan.model,
          source: decision.source,
          strategy: decision.plan.strategy,
          reason: decision.plan.reason,
          targets: decision.plan.targets.map((target) => `${target.provider}/${target.model}`),
          ejected: decision.ejected,
        },
        'routing decision',
      );
      return decision.plan;
    } catch (error) {
      if ((error as { code?: string }).code === 'provider_unavailable') {
        decisions?.inc({ strategy, reason_kind: 'all-ejected' });
        options.logger?.debug({ request_id: request.requestId, model: resolved.model, strategy }, 'routing decision: every deployment ejected');
      }
      throw error;
    }
  };

  /**
   * The shared state of every deployment the catalog names, as plans see it. Unlike planning, a state
   * that cannot be read is an error here: the caller asked for exactly that state.
   */
  const health = async (): Promise<RouterHealth> => {
    const at = now();
    if (!options.deploymentState) return { tracked: false, at, deployments: [] };
    const deployments = catalogDeployments(options.catalog());
    let snapshots: ReadonlyMap<string, DeploymentSnapshot> = new Map();
    try {
      if (deployments.length > 0) snapshots = await options.deploymentState.snapshot(deployments);
    } catch (error) {
      options.logger?.warn({ err: error }, 'deployment state unavailable for a health snapshot');
      throw new GatewayError('dependency_unavailable', 'The router could not read the shared deployment state', { source: 'router', cause: error });
    }
    return { tracked: true, at, deployments: deployments.map((deployment) => ({ ...deployment, ...(snapshots.get(deploymentId(deployment)) ?? unknownSnapshot) })) };
  };

  return options.bus.serve({
    ...routerServiceInfo,
    endpoints: [
      { endpoint: routerPing, handler: () => ({ ok: true as const }) },
      { endpoint: routerHealth, handler: health },
      {
        endpoint: routerPlan,
        handler: async (request) => {
          const started = performance.now();
          let status = 'ok';
          try {
            return await plan(request);
          } catch (error) {
            status = (error as { code?: string }).code ?? 'error';
            throw error;
          } finally {
            if (options.metrics) {
              observeRequest(options.metrics, { route: routerPlan.subject, model: modelMetricLabel(request.model, labelCatalog(options.catalog())), status }, (performance.now() - started) / 1000);
            }
          }
        },
      },
    ],
  });
}

function labelCatalog(catalog: RoutingCatalog) {
  return { isConfiguredModel: (name: string) => catalog.models.has(name), isProvider: (name: string) => catalog.providers.has(name) };
}
