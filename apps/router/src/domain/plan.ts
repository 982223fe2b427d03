import { GatewayError, type Plan, type PlanRequest, type PlanTarget } from '@gateway/contracts';
import { modelDeployments } from '@gateway/config';
import type { Deployment, DeploymentSnapshot } from '@gateway/deployment-state';
import type { ModelRouting, RoutingCatalog } from './catalog.ts';
import { orderGroup, type Decision, type HealthTally, type OrderContext, type ReasonKind } from './order-targets.ts';
import { resolveRouting, type ResolvedRouting, type RoutingSource } from './resolve-routing.ts';

export interface PlanOptions {
  /** The shared state of the candidate deployments (see `planDeployments`); missing ones count as idle and healthy. */
  snapshots?: ReadonlyMap<string, DeploymentSnapshot>;
  now?: number;
  random?: () => number;
}

/** A plan with what the router decided, for logs and the `gateway_router_decisions_total` metric. */
export interface PlanDecision {
  plan: Plan;
  kind: ReasonKind | 'direct';
  source: RoutingSource;
  /** Deployments left out for health. */
  ejected: number;
}

/** Every deployment a request's plan may use (targets at any depth and fallbacks), for one snapshot read. */
export function planDeployments(resolved: ResolvedRouting): Deployment[] {
  const seen = new Map<string, Deployment>();
  for (const { provider, model } of modelDeployments(resolved.routing)) seen.set(`${provider}/${model}`, { provider, model });
  return [...seen.values()];
}

/**
 * Turns a resolved routing into the plan the executor runs: the targets flattened in the order to try
 * them (each group by its strategy, unhealthy deployments left out), each with its retry policy,
 * timeouts, price and path; the fallbacks for context-window and content-policy failures; hedging and
 * the deadline. Pure: the deployments' state, the clock and the randomness come in `options`.
 */
export function decidePlan(request: PlanRequest, resolved: ResolvedRouting, catalog: RoutingCatalog, options: PlanOptions = {}): PlanDecision {
  const routing: ModelRouting = resolved.routing;
  const now = options.now ?? Date.now();
  const context: OrderContext = {
    snapshots: options.snapshots ?? new Map(),
    now,
    random: options.random ?? Math.random,
    priceOf: catalog.priceOf ?? (() => undefined),
    query: {
      metadata: request.metadata ?? {},
      params: request.params ?? {},
      key: { id: request.key.id, metadata: request.key.metadata ?? {} },
      model: request.model,
    },
    stream: request.params?.stream === true,
  };
  const tally: HealthTally = { ejected: 0, firstReturn: null };
  const modelRetry = [routing.retry];
  const main = orderGroup(routing, context, tally, { retry: modelRetry });
  const strategy = routing.strategy ?? 'loadbalance';
  if (main.targets.length === 0) {
    const seconds = Math.max(1, Math.ceil(((tally.firstReturn ?? now + 1000) - now) / 1000));
    throw new GatewayError('provider_unavailable', `Every deployment of "${resolved.model}" is out of rotation (failing or rejecting its credential); the first comes back in ${seconds} s`, {
      source: 'router',
      retryAfterSeconds: seconds,
    });
  }

  const fallbacks: NonNullable<Plan['fallbacks']> = {};
  const fallbackTally: HealthTally = { ejected: 0, firstReturn: null };
  const contextWindow = fallbackList(routing.fallbacks?.context_window, 'fallbacks.context_window', context, fallbackTally, modelRetry);
  const contentPolicy = fallbackList(routing.fallbacks?.content_policy, 'fallbacks.content_policy', context, fallbackTally, modelRetry);
  if (contextWindow.length > 0) fallbacks.contextWindow = contextWindow;
  if (contentPolicy.length > 0) fallbacks.contentPolicy = contentPolicy;

  const decision: Decision = resolved.source === 'direct' ? { kind: 'first', reason: 'addressed directly' } : main.decision;
  const reasons = [resolved.source === 'inline' ? `inline config: ${decision.reason}` : decision.reason];
  if (tally.ejected > 0) reasons.push(`${tally.ejected} ejected`);
  const plan: Plan = {
    model: resolved.model,
    strategy,
    targets: main.targets,
    reason: reasons.join(', '),
    ...(Object.keys(fallbacks).length > 0 && { fallbacks }),
    ...(routing.hedge && { hedge: { afterMs: routing.hedge.after_ms } }),
    ...(routing.timeout_ms !== undefined && { deadlineMs: routing.timeout_ms }),
  };
  return { plan, kind: resolved.source === 'direct' ? 'direct' : decision.kind, source: resolved.source, ejected: tally.ejected };
}

function fallbackList(
  targets: ModelRouting['targets'] | undefined,
  path: string,
  context: OrderContext,
  tally: HealthTally,
  retry: ModelRouting['retry'][],
): PlanTarget[] {
  if (!targets) return [];
  return orderGroup({ strategy: 'fallback', targets }, context, tally, { path, retry }).targets;
}

/** Resolves and plans in one step (no shared state: every deployment idle and healthy unless `options` say otherwise). */
export function planRequest(request: PlanRequest, catalog: RoutingCatalog, options: PlanOptions = {}): Plan {
  return decidePlan(request, resolveRouting(request, catalog), catalog, options).plan;
}
