import type { PlanTarget, RetryPolicy, RoutingStrategy } from '@gateway/contracts';
import { defaultRetry, describeQuery, matchesQuery, targetPricePerMillion, type QueryContext, type RetryConfig, type TargetConfig } from '@gateway/config';
import { deploymentId, type DeploymentSnapshot } from '@gateway/deployment-state';
import type { DeploymentPrice } from './catalog.ts';
import { leftOut, unknownSnapshot } from './deployment-health.ts';
import { weightedOrder } from './weighted-order.ts';

/** What a group's strategy decided, in a bounded vocabulary (the `reason_kind` metric label). */
export type ReasonKind =
  | 'first'
  | 'listed'
  | 'weighted'
  | 'least-busy'
  | 'fastest'
  | 'explore'
  | 'cheapest'
  | 'unpriced'
  | 'headroom'
  | 'saturated'
  | 'rule'
  | 'default'
  | 'no-match';

export interface Decision {
  kind: ReasonKind;
  reason: string;
}

export interface OrderContext {
  snapshots: ReadonlyMap<string, DeploymentSnapshot>;
  now: number;
  random: () => number;
  priceOf: (provider: string, model: string) => DeploymentPrice | undefined;
  /** What conditions are evaluated over. */
  query: QueryContext;
  /** A streaming request: the latency strategy weighs time to first token more. */
  stream: boolean;
}

/** What ordering a whole tree saw on the way: deployments left out for health, and when the first returns. */
export interface HealthTally {
  ejected: number;
  /** Epoch ms at which the first left-out deployment comes back. */
  firstReturn: number | null;
}

export interface Group {
  strategy?: RoutingStrategy | undefined;
  targets: readonly TargetConfig[];
  conditions?: ReadonlyArray<{ when: Record<string, unknown>; then: string }> | undefined;
  default?: string | undefined;
}

interface Leaf {
  target: PlanTarget;
  snapshot: DeploymentSnapshot;
  /** The deployment's own entry (its rpm/tpm limits). */
  config: TargetConfig;
}

interface Candidate {
  config: TargetConfig;
  index: number;
  leaves: Leaf[];
}

/** For streams, time to first token is what the user waits for; the whole answer still counts a little. */
export const latencyTtftShare = 0.7;
/** Prices are compared at the usual blend of three input tokens per output token. */
export const blendedInputShare = 0.75;

/** Field by field: the nearest setting wins (target, then enclosing groups, then the model), then the defaults. */
export function retryPolicy(...layers: ReadonlyArray<RetryConfig | undefined>): RetryPolicy {
  const merged: RetryConfig = {};
  for (const layer of layers) {
    for (const [field, value] of Object.entries(layer ?? {})) if (value !== undefined) (merged as Record<string, unknown>)[field] = value;
  }
  return {
    attempts: merged.attempts ?? defaultRetry.attempts,
    onStatusCodes: merged.on_status_codes ?? [...defaultRetry.on_status_codes],
    initialBackoffMs: merged.initial_backoff_ms ?? defaultRetry.initial_backoff_ms,
    maxBackoffMs: merged.max_backoff_ms ?? defaultRetry.max_backoff_ms,
    maxRetryAfterMs: merged.max_retry_after_ms ?? defaultRetry.max_retry_after_ms,
  };
}

function planTarget(config: TargetConfig & { provider: string; model: string }, path: string, retry: ReadonlyArray<RetryConfig | undefined>): PlanTarget {
  const price = targetPricePerMillion(config.price);
  const timeouts = {
    ...(config.timeout_ms !== undefined && { requestMs: config.timeout_ms }),
    ...(config.ttft_timeout_ms !== undefined && { ttftMs: config.ttft_timeout_ms }),
    ...(config.idle_timeout_ms !== undefined && { idleMs: config.idle_timeout_ms }),
  };
  return {
    provider: config.provider,
    model: config.model,
    weight: config.weight,
    ...(price && { price }),
    retry: retryPolicy(...retry, config.retry),
    ...(Object.keys(timeouts).length > 0 && { timeouts }),
    path,
  };
}

const pathOf = (prefix: string, index: number) => (prefix === '' ? String(index) : `${prefix}.${index}`);

/**
 * Flattens a group into the order the executor tries its deployments: unhealthy deployments left out
 * (see `leftOut`), the rest ordered by the group's strategy, a nested group expanded in place by its own.
 * Returns the deployments and the group's own decision.
 */
export function orderGroup(
  group: Group,
  context: OrderContext,
  tally: HealthTally,
  options: { path?: string; retry?: ReadonlyArray<RetryConfig | undefined> } = {},
): { targets: PlanTarget[]; decision: Decision } {
  const { leaves, decision } = orderTree(group, context, tally, options.path ?? '', options.retry ?? []);
  return { targets: leaves.map((leaf) => leaf.target), decision };
}

function orderTree(group: Group, context: OrderContext, tally: HealthTally, prefix: string, retry: ReadonlyArray<RetryConfig | undefined>): { leaves: Leaf[]; decision: Decision } {
  const strategy = group.strategy ?? 'loadbalance';
  // `single` uses the first listed target only: the others are not candidates, healthy or not.
  const listed = (strategy === 'single' ? group.targets.slice(0, 1) : group.targets).map((config, index) => ({ config, index }));

  const leafEntries = listed.filter((entry) => entry.config.targets === undefined);
  const snapshots = leafEntries.map((entry) => snapshotOf(entry.config, context));
  const out = leftOut(snapshots, context.now);
  const outIndexes = new Set<number>();
  leafEntries.forEach((entry, position) => {
    if (!out.has(position)) return;
    outIndexes.add(entry.index);
    tally.ejected += 1;
    const until = snapshots[position]!.ejectedUntil!;
    tally.firstReturn = tally.firstReturn === null ? until : Math.min(tally.firstReturn, until);
  });

  const candidates: Candidate[] = [];
  for (const { config, index } of listed) {
    if (outIndexes.has(index)) continue;
    const path = pathOf(prefix, index);
    if (config.targets !== undefined) {
      const nested = orderTree({ ...config, targets: config.targets }, context, tally, path, [...retry, config.retry]);
      if (nested.leaves.length > 0) candidates.push({ config, index, leaves: nested.leaves });
    } else {
      const leaf = config as TargetConfig & { provider: string; model: string };
      candidates.push({ config, index, leaves: [{ target: planTarget(leaf, path, retry), snapshot: snapshotOf(leaf, context), config }] });
    }
  }

  const { ordered, decision } = orderCandidates(strategy, group, candidates, context);
  return { leaves: ordered.flatMap((candidate) => candidate.leaves), decision };
}

function snapshotOf(target: { provider?: string | undefined; model?: string | undefined }, context: OrderContext): DeploymentSnapshot {
  if (target.provider === undefined || target.model === undefined) return unknownSnapshot;
  return context.snapshots.get(deploymentId({ provider: target.provider, model: target.model })) ?? unknownSnapshot;
}

function orderCandidates(strategy: RoutingStrategy, group: Group, candidates: Candidate[], context: OrderContext): { ordered: Candidate[]; decision: Decision } {
  const weighted = () => weightedOrder(candidates.map((candidate) => ({ ...candidate, weight: candidate.config.weight })), context.random);
  switch (strategy) {
    case 'single':
      return { ordered: candidates, decision: { kind: 'first', reason: 'first target' } };
    case 'fallback':
      return { ordered: candidates, decision: { kind: 'listed', reason: 'listed order' } };
    case 'loadbalance': {
      const ordered = weighted();
      return { ordered, decision: { kind: 'weighted', reason: ordered[0] ? `weighted pick: target ${describeCandidate(ordered[0])}` : 'weighted pick' } };
    }
    case 'least-busy': {
      const inFlight = (candidate: Candidate) => Math.min(...candidate.leaves.map((leaf) => leaf.snapshot.inFlight));
      const ordered = stableSort(weighted(), (left, right) => inFlight(left) - inFlight(right));
      return { ordered, decision: { kind: 'least-busy', reason: ordered[0] ? `least busy: ${inFlight(ordered[0])} in flight` : 'least busy' } };
    }
    case 'latency':
      return byLatency(weighted(), context);
    case 'cost':
      return byCost(candidates, context);
    case 'usage':
      return byHeadroom(weighted());
    case 'conditional':
      return byConditions(group, candidates, context);
  }
}

function describeCandidate(candidate: Candidate): string {
  const leaf = candidate.config.targets === undefined ? candidate.leaves[0]?.target : undefined;
  const name = candidate.config.name ?? (leaf ? `${leaf.provider}/${leaf.model}` : `group ${candidate.index}`);
  return name;
}

function stableSort<Item>(items: Item[], compare: (left: Item, right: Item) => number): Item[] {
  return items
    .map((item, position) => ({ item, position }))
    .sort((left, right) => compare(left.item, right.item) || left.position - right.position)
    .map((entry) => entry.item);
}

/** The latency score of a deployment in ms, null when unmeasured (see `latencyTtftShare`). */
export function latencyScore(snapshot: DeploymentSnapshot, stream: boolean): number | null {
  const { latencyEwmaMs: latency, ttftEwmaMs: ttft } = snapshot;
  if (!stream || ttft === null) return latency;
  return latency === null ? ttft : latencyTtftShare * ttft + (1 - latencyTtftShare) * latency;
}

function byLatency(candidates: Candidate[], context: OrderContext): { ordered: Candidate[]; decision: Decision } {
  const score = (candidate: Candidate): number | null => {
    const scores = candidate.leaves.map((leaf) => latencyScore(leaf.snapshot, context.stream));
    // A group with an unmeasured deployment is worth exploring too.
    if (scores.some((value) => value === null)) return null;
    return Math.min(...(scores as number[]));
  };
  // Unmeasured first, so a new deployment gets traffic and a measurement; then fastest first.
  const ordered = stableSort(candidates, (left, right) => (score(left) ?? -1) - (score(right) ?? -1));
  const first = ordered[0] && score(ordered[0]);
  if (ordered[0] && first === null) return { ordered, decision: { kind: 'explore', reason: `exploring unmeasured target ${describeCandidate(ordered[0])}` } };
  return { ordered, decision: { kind: 'fastest', reason: first == null ? 'lowest latency' : `lowest latency: ${Math.round(first)} ms` } };
}

function blendedPrice(price: DeploymentPrice): number {
  return blendedInputShare * price.inputPerMillion + (1 - blendedInputShare) * price.outputPerMillion;
}

function byCost(candidates: Candidate[], context: OrderContext): { ordered: Candidate[]; decision: Decision } {
  const price = (candidate: Candidate): number | null => {
    const prices = candidate.leaves
      .map((leaf) => leaf.target.price ?? context.priceOf(leaf.target.provider, leaf.target.model))
      .filter((value): value is DeploymentPrice => value !== undefined)
      .map(blendedPrice);
    return prices.length === 0 ? null : Math.min(...prices);
  };
  // Cheapest first, ties in listed order; unpriced last, in listed order.
  const ordered = stableSort(candidates, (left, right) => (price(left) ?? Infinity) - (price(right) ?? Infinity));
  const first = ordered[0] ? price(ordered[0]) : null;
  if (first === null) return { ordered, decision: { kind: 'unpriced', reason: 'no price known: listed order' } };
  return { ordered, decision: { kind: 'cheapest', reason: `cheapest: $${Number(first.toFixed(4))}/Mtok blended` } };
}

/** Share of a deployment's rpm/tpm still free this minute (the smaller of the two); 1 without limits. */
export function headroom(config: TargetConfig, snapshot: DeploymentSnapshot): number {
  const shares: number[] = [];
  if (config.rpm !== undefined) shares.push(1 - snapshot.requestsThisMinute / config.rpm);
  if (config.tpm !== undefined) shares.push(1 - snapshot.tokensThisMinute / config.tpm);
  return shares.length === 0 ? 1 : Math.min(...shares);
}

function byHeadroom(candidates: Candidate[]): { ordered: Candidate[]; decision: Decision } {
  const score = (candidate: Candidate) => Math.max(...candidate.leaves.map((leaf) => headroom(leaf.config, leaf.snapshot)));
  // Most headroom first; at or over the limit (≤ 0) all count as 0, so they keep the weighted order, last.
  const ordered = stableSort(candidates, (left, right) => Math.max(0, score(right)) - Math.max(0, score(left)));
  const first = ordered[0] ? score(ordered[0]) : 0;
  if (first <= 0) return { ordered, decision: { kind: 'saturated', reason: 'every target at its rpm/tpm limit' } };
  return { ordered, decision: { kind: 'headroom', reason: `most headroom: ${Math.round(first * 100)}% free` } };
}

function byConditions(group: Group, candidates: Candidate[], context: OrderContext): { ordered: Candidate[]; decision: Decision } {
  const first = (name: string) => {
    const chosen = candidates.filter((candidate) => candidate.config.name === name);
    return [...chosen, ...candidates.filter((candidate) => candidate.config.name !== name)];
  };
  const rules = group.conditions ?? [];
  for (const [index, rule] of rules.entries()) {
    if (matchesQuery(rule.when, context.query)) {
      return { ordered: first(rule.then), decision: { kind: 'rule', reason: `rule ${index + 1} matched: ${describeQuery(rule.when)}` } };
    }
  }
  if (group.default !== undefined) return { ordered: first(group.default), decision: { kind: 'default', reason: `no rule matched: default ${group.default}` } };
  return { ordered: candidates, decision: { kind: 'no-match', reason: 'no rule matched: listed order' } };
}

