import { defaultRetry, inlineRoutingConfigSchema, type ConditionConfig, type InlineRoutingConfig, type RetryConfig, type TargetConfig } from '@gateway/config';
import type { RoutingStrategy } from '@gateway/contracts';
import type { ModelRecord } from '@gateway/db';

/** Where a retry setting comes from: the nearest layer that sets it, else the gateway's default. */
export type RetrySource = 'target' | 'group' | 'model' | 'default';

export interface RetrySetting<Value> {
  value: Value;
  from: RetrySource;
}

/** The retry policy a deployment runs with, each field with where it was set (docs/routing.md: field by field). */
export interface EffectiveRetry {
  attempts: RetrySetting<number>;
  onStatusCodes: RetrySetting<readonly number[]>;
  initialBackoffMs: RetrySetting<number>;
  maxBackoffMs: RetrySetting<number>;
  maxRetryAfterMs: RetrySetting<number>;
}

/** One layer of retry settings, from the model down to the deployment. */
export interface RetryLayer {
  from: Exclude<RetrySource, 'default'>;
  retry: RetryConfig | undefined;
}

export interface ConditionView {
  /** The rule's query, as written. */
  when: string;
  then: string;
}

export interface DeploymentView {
  kind: 'deployment';
  /** Where it sits in the model's tree, as the router and the usage records name it (`0`, `1.2`, `fallbacks.context_window.0`). */
  path: string;
  name?: string;
  provider: string;
  model: string;
  weight: number;
  /** USD per million tokens, when the target sets its own. */
  price?: { input: number; output: number };
  rpm?: number;
  tpm?: number;
  timeouts: { requestMs?: number; ttftMs?: number; idleMs?: number };
  retry: EffectiveRetry;
}

export interface GroupView {
  kind: 'group';
  path: string;
  name?: string;
  strategy: RoutingStrategy;
  weight: number;
  conditions: ConditionView[];
  default?: string;
  targets: TargetView[];
}

export type TargetView = DeploymentView | GroupView;

/** A model's routing as the Routing page shows it. */
export interface RoutingView {
  strategy: RoutingStrategy;
  targets: TargetView[];
  /** The model's own retry policy (what a deployment without settings of its own runs with). */
  retry: EffectiveRetry;
  /** `timeout_ms`: the request's default deadline. */
  deadlineMs?: number;
  hedgeAfterMs?: number;
  conditions: ConditionView[];
  default?: string;
  fallbacks: { contextWindow: TargetView[]; contentPolicy: TargetView[] };
}

/** Field by field, the nearest layer that sets a field wins; what none sets is the gateway's default. */
export function effectiveRetry(layers: readonly RetryLayer[]): EffectiveRetry {
  const pick = <Field extends keyof RetryConfig>(field: Field, fallback: NonNullable<RetryConfig[Field]>): RetrySetting<NonNullable<RetryConfig[Field]>> => {
    for (let index = layers.length - 1; index >= 0; index -= 1) {
      const layer = layers[index]!;
      const value = layer.retry?.[field];
      if (value !== undefined) return { value, from: layer.from };
    }
    return { value: fallback, from: 'default' };
  };
  return {
    attempts: pick('attempts', defaultRetry.attempts),
    onStatusCodes: pick('on_status_codes', [...defaultRetry.on_status_codes]),
    initialBackoffMs: pick('initial_backoff_ms', defaultRetry.initial_backoff_ms),
    maxBackoffMs: pick('max_backoff_ms', defaultRetry.max_backoff_ms),
    maxRetryAfterMs: pick('max_retry_after_ms', defaultRetry.max_retry_after_ms),
  };
}

function conditionViews(conditions: readonly ConditionConfig[] | undefined): ConditionView[] {
  return (conditions ?? []).map((condition) => ({ when: JSON.stringify(condition.when), then: condition.then }));
}

function targetViews(targets: readonly TargetConfig[], prefix: string, layers: readonly RetryLayer[]): TargetView[] {
  return targets.map((target, index) => {
    const path = `${prefix}${index}`;
    const name = target.name === undefined ? {} : { name: target.name };
    if (target.targets) {
      return {
        kind: 'group',
        path,
        ...name,
        strategy: target.strategy ?? 'loadbalance',
        weight: target.weight,
        conditions: conditionViews(target.conditions),
        ...(target.default === undefined ? {} : { default: target.default }),
        targets: targetViews(target.targets, `${path}.`, [...layers, { from: 'group', retry: target.retry }]),
      };
    }
    const input = target.price?.input_per_mtok ?? target.price?.input_per_million;
    const output = target.price?.output_per_mtok ?? target.price?.output_per_million;
    return {
      kind: 'deployment',
      path,
      ...name,
      // The schema's checks guarantee both for a deployment (else the model did not parse).
      provider: target.provider ?? '',
      model: target.model ?? '',
      weight: target.weight,
      ...(input !== undefined && output !== undefined ? { price: { input, output } } : {}),
      ...(target.rpm === undefined ? {} : { rpm: target.rpm }),
      ...(target.tpm === undefined ? {} : { tpm: target.tpm }),
      timeouts: {
        ...(target.timeout_ms === undefined ? {} : { requestMs: target.timeout_ms }),
        ...(target.ttft_timeout_ms === undefined ? {} : { ttftMs: target.ttft_timeout_ms }),
        ...(target.idle_timeout_ms === undefined ? {} : { idleMs: target.idle_timeout_ms }),
      },
      retry: effectiveRetry([...layers, { from: 'target', retry: target.retry }]),
    };
  });
}

/**
 * A stored model's routing, read as the router reads it (the same schema: a model that does not pass
 * is left out of routing, and the message says why), with every deployment's effective retry policy.
 */
export function routingView(record: Pick<ModelRecord, 'strategy' | 'targets' | 'routing'>): { ok: true; view: RoutingView } | { ok: false; message: string } {
  const parsed = inlineRoutingConfigSchema.safeParse({ ...record.routing, strategy: record.strategy, targets: record.targets });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'routing'}: ${issue?.message ?? 'invalid'}` };
  }
  const routing: InlineRoutingConfig = parsed.data;
  const model: RetryLayer[] = [{ from: 'model', retry: routing.retry }];
  return {
    ok: true,
    view: {
      strategy: routing.strategy ?? 'loadbalance',
      targets: targetViews(routing.targets, '', model),
      retry: effectiveRetry(model),
      ...(routing.timeout_ms === undefined ? {} : { deadlineMs: routing.timeout_ms }),
      ...(routing.hedge === undefined ? {} : { hedgeAfterMs: routing.hedge.after_ms }),
      conditions: conditionViews(routing.conditions),
      ...(routing.default === undefined ? {} : { default: routing.default }),
      fallbacks: {
        contextWindow: targetViews(routing.fallbacks?.context_window ?? [], 'fallbacks.context_window.', model),
        contentPolicy: targetViews(routing.fallbacks?.content_policy ?? [], 'fallbacks.content_policy.', model),
      },
    },
  };
}

/** Every deployment of a view (at any depth, fallbacks included), in the order shown. */
export function viewDeployments(view: RoutingView): DeploymentView[] {
  const found: DeploymentView[] = [];
  const visit = (target: TargetView) => {
    if (target.kind === 'deployment') found.push(target);
    else target.targets.forEach(visit);
  };
  [...view.targets, ...view.fallbacks.contextWindow, ...view.fallbacks.contentPolicy].forEach(visit);
  return found;
}

/** A retry policy in words, field by field, each with the layer that set it (`default` where none did). */
export function retryParts(retry: EffectiveRetry): Array<{ text: string; from: RetrySource }> {
  return [
    { text: `${retry.attempts.value} ${retry.attempts.value === 1 ? 'retry' : 'retries'}`, from: retry.attempts.from },
    { text: `on ${retry.onStatusCodes.value.join(', ')}`, from: retry.onStatusCodes.from },
    { text: `backoff ${formatDuration(retry.initialBackoffMs.value)}`, from: retry.initialBackoffMs.from },
    { text: `max backoff ${formatDuration(retry.maxBackoffMs.value)}`, from: retry.maxBackoffMs.from },
    { text: `Retry-After ≤ ${formatDuration(retry.maxRetryAfterMs.value)}`, from: retry.maxRetryAfterMs.from },
  ];
}

/** Milliseconds as written in config: `250 ms`, `8 s`, `1.5 s`, `2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Number((ms / 1000).toFixed(3))} s`;
  return `${ms / 60_000} min`;
}
