import { GatewayError } from '@gateway/contracts';
import { limitsForModel, type Budget, type Limits, type ModelLimits } from '@gateway/db';
import type { KeyValueStore } from '@gateway/kv';
import { budgetPeriodAt, secondsToPeriodEnd, type PeriodWindow } from './budget-period.ts';
import {
  admitArguments,
  admitScript,
  scopeKeyCount,
  settleArguments,
  settleScript,
  type LimitKind,
  type ScopeAdmission,
  type ScopeUsage,
} from './limit-scripts.ts';
import { rateLimitHeaders, type Quota } from './rate-limit-headers.ts';

/** What the limiter needs of a key (a CachedKey has it). */
export interface LimitedKey {
  id: string;
  limits?: Limits;
  modelLimits?: ModelLimits | null;
}

export interface AdmissionInput {
  key: LimitedKey;
  /** The model the request names (limits per model apply when the key has some for it). */
  model: string | null;
  requestId: string;
  /** Input + output tokens expected (settled to the actual count after). */
  tokenEstimate: number;
  /** USD expected (settled to the actual cost after); 0 for a model without a price. */
  costEstimateUsd: number;
}

/** An admitted request: what it reserved, to settle it, and the RateLimit headers of its response. */
export interface Admission {
  headers: Record<string, string>;
  readonly requestId: string;
  readonly scopes: readonly AdmittedScope[];
  readonly keyNames: readonly string[];
  readonly epoch: number;
  readonly window: number;
  readonly tokenEstimate: number;
  readonly costEstimateNanos: number;
}

interface AdmittedScope {
  limits: Partial<Limits>;
  period: PeriodWindow | null;
  spendTtlMs: number;
}

interface Scope {
  /** `key` for the key's own limits, or the model name. */
  label: string;
  /** The admin API field naming this scope's limits, for refusals (`rpm_limit`, `model_limits.fast.rpm_limit`). */
  param: string;
  base: string;
  limits: Partial<Limits>;
  period: PeriodWindow | null;
}

export interface KeyLimiterOptions {
  /** The store of the counters; undefined: no store configured, so limited keys are refused (503). */
  store: KeyValueStore | undefined;
  /** Length of one in-flight epoch: a slot never released is forgotten 1 to 2 epochs after it was taken. */
  inFlightEpochMs?: number;
  /** The replica's clock, for budget periods (tests move it). */
  now?: () => Date;
}

export const nanosPerUsd = 1_000_000_000;
const windowMs = 60_000;
/** Settles arriving later than this are dropped (the ledger reconciliation still counts their cost). */
const markerTtlMs = 24 * 3_600_000;
/** Spend counters outlive their period by this much (reconciliation may still read them). */
const spendGraceMs = 2 * 86_400_000;

/** Whole nano-USD: estimates are rounded up, actual costs to the nearest. */
export function toNanos(usd: number, round: 'up' | 'nearest'): number {
  const nanos = usd * nanosPerUsd;
  return Math.max(0, round === 'up' ? Math.ceil(nanos - 1e-6) : Math.round(nanos));
}

/**
 * RPM, TPM, max parallel requests and USD budgets of gateway keys (and of a key per model), enforced
 * atomically across replicas through the shared store: one script checks every limit of the key and of
 * the key's model and reserves the request in all of them, or refuses it changing nothing; one script
 * settles it. Minute windows are fixed and aligned to the store's clock; budget periods are UTC
 * calendar periods on the replica's clock.
 */
export class KeyLimiter {
  private readonly epochMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: KeyLimiterOptions) {
    this.epochMs = options.inFlightEpochMs ?? 15 * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Reserves one request, or throws: 429 `rate_limited` naming the limit hit, or 503
   * `dependency_unavailable` when the store cannot be reached (never admitted without counting).
   * Returns undefined for a key without limits (nothing is counted and the store is not asked).
   */
  async admit(input: AdmissionInput): Promise<Admission | undefined> {
    const at = this.now();
    const scopes = scopesOf(input.key, input.model, at);
    if (scopes.length === 0) return undefined;
    const store = this.requireStore();
    const costEstimateNanos = toNanos(input.costEstimateUsd, 'up');
    const tokenEstimate = Math.max(0, Math.ceil(input.tokenEstimate));
    const keyNames: string[] = [];
    const args: Array<number | string> = [windowMs, this.epochMs, markerTtlMs, scopes.length];
    for (const scope of scopes) {
      keyNames.push(...scopeKeys(scope));
      args.push(...admitArguments(scopeAdmission(scope, tokenEstimate, costEstimateNanos, at)));
    }
    keyNames.push(markerKey(input.key.id, input.requestId));
    let result;
    try {
      result = await store.run(admitScript, keyNames, args);
    } catch (error) {
      throw storeDown(error);
    }
    if (!result.admitted) {
      const scope = scopes[result.scope]!;
      throw refusalOf(scope, result.kind, result.retryAfterMs, result.limit, result.used, at);
    }
    const quotas = scopes.flatMap((scope, index) => quotasOf(scope, result.scopes[index]!, result.windowResetMs, at));
    return {
      headers: rateLimitHeaders(tightest(quotas)),
      requestId: input.requestId,
      scopes: scopes.map((scope) => ({ limits: scope.limits, period: scope.period, spendTtlMs: spendTtl(scope.period, at) })),
      keyNames,
      epoch: result.epoch,
      window: Math.floor(result.now / windowMs),
      tokenEstimate,
      costEstimateNanos,
    };
  }

  /**
   * Settles an admitted request to what it actually used: its in-flight slot and reservation are
   * released, the minute's tokens corrected, the actual cost added to the period's spend. Idempotent
   * (a second call changes nothing); returns whether this call settled. Throws when the store fails
   * (the caller logs it: the slot expires with its epoch and reconciliation restores the spend).
   */
  async settle(admission: Admission, actual: { tokens: number; costUsd: number | null }): Promise<boolean> {
    const store = this.requireStore();
    const actualCostNanos = toNanos(actual.costUsd ?? 0, 'nearest');
    const args: Array<number | string> = [windowMs, this.epochMs, admission.epoch, admission.window, admission.scopes.length];
    for (const scope of admission.scopes) {
      args.push(
        ...settleArguments({
          tracksTokens: scope.limits.tpmLimit != null,
          tokenDelta: Math.max(0, Math.ceil(actual.tokens)) - admission.tokenEstimate,
          tracksInFlight: scope.limits.maxParallel != null || scope.limits.budget != null,
          costEstimateNanos: admission.costEstimateNanos,
          tracksSpend: scope.limits.budget != null,
          actualCostNanos,
          spendTtlMs: scope.spendTtlMs,
        }),
      );
    }
    return store.run(settleScript, admission.keyNames, args);
  }

  private requireStore(): KeyValueStore {
    if (!this.options.store) {
      throw new GatewayError('dependency_unavailable', 'Rate limits and budgets of this key cannot be checked: the gateway has no counter store (REDIS_URL)', {
        retryAfterSeconds: 5,
      });
    }
    return this.options.store;
  }
}

/** The key names of a budget's spend counter for one period (reconciliation writes the same key). */
export function spendKey(keyId: string, model: string | null, period: PeriodWindow): string {
  return `${scopeBase(keyId, model)}:spend:${period.id}`;
}

/** How long a period's spend counter is kept: to the period's end, and a grace after. */
export function spendTtl(period: PeriodWindow | null, at: Date): number {
  return period ? Math.max(1, period.end.getTime() - at.getTime()) + spendGraceMs : spendGraceMs;
}

function scopeBase(keyId: string, model: string | null): string {
  // The key id in braces is the Redis Cluster hash tag: every counter of one key lives in one slot,
  // which a multi-key script needs.
  return model === null ? `limits:{${keyId}}:key` : `limits:{${keyId}}:model:${encodeURIComponent(model)}`;
}

function scopesOf(key: LimitedKey, model: string | null, at: Date): Scope[] {
  const scopes: Scope[] = [];
  const own = key.limits;
  if (own && Object.values(own).some((value) => value != null)) {
    scopes.push({ label: 'key', param: '', base: scopeBase(key.id, null), limits: own, period: periodOf(own.budget, at) });
  }
  const forModel = limitsForModel(key.modelLimits, model);
  if (model !== null && forModel && Object.values(forModel).some((value) => value != null)) {
    scopes.push({
      label: model,
      param: `model_limits.${model}.`,
      base: scopeBase(key.id, model),
      limits: forModel,
      period: periodOf(forModel.budget, at),
    });
  }
  return scopes;
}

function periodOf(budget: Budget | null | undefined, at: Date): PeriodWindow | null {
  return budget ? budgetPeriodAt(budget.period, at) : null;
}

function scopeKeys(scope: Scope): string[] {
  return [
    `${scope.base}:rpm`,
    `${scope.base}:tpm`,
    `${scope.base}:inflight:0`,
    `${scope.base}:inflight:1`,
    scope.period ? `${scope.base}:spend:${scope.period.id}` : `${scope.base}:spend:none`,
  ].slice(0, scopeKeyCount);
}

function markerKey(keyId: string, requestId: string): string {
  return `limits:{${keyId}}:request:${requestId}`;
}

function scopeAdmission(scope: Scope, tokenEstimate: number, costEstimateNanos: number, at: Date): ScopeAdmission {
  const { rpmLimit, tpmLimit, maxParallel, budget } = scope.limits;
  return {
    rpm: rpmLimit ?? -1,
    tpm: tpmLimit ?? -1,
    parallel: maxParallel ?? -1,
    budgetNanos: budget ? toNanos(budget.maxUsd, 'nearest') : -1,
    tokenEstimate,
    costEstimateNanos,
    spendTtlMs: spendTtl(scope.period, at),
  };
}

function quotasOf(scope: Scope, usage: ScopeUsage, windowResetMs: number, at: Date): Quota[] {
  const { rpmLimit, tpmLimit, maxParallel, budget } = scope.limits;
  const quotas: Quota[] = [];
  const windowReset = Math.ceil(windowResetMs / 1000);
  if (rpmLimit != null) quotas.push({ limit: rpmLimit, remaining: rpmLimit - usage.requests, resetSeconds: windowReset });
  if (tpmLimit != null) quotas.push({ limit: tpmLimit, remaining: tpmLimit - usage.tokens, resetSeconds: windowReset });
  if (maxParallel != null) quotas.push({ limit: maxParallel, remaining: maxParallel - usage.inFlight, resetSeconds: 1 });
  if (budget && scope.period) quotas.push(budgetQuota(budget, usage.spentNanos, scope.period, at));
  return quotas;
}

/** A budget as a quota in whole US cents (RateLimit fields are integers). */
function budgetQuota(budget: Budget, spentNanos: number, period: PeriodWindow, at: Date): Quota {
  const limitNanos = toNanos(budget.maxUsd, 'nearest');
  return {
    limit: Math.floor(limitNanos / 10_000_000),
    remaining: Math.floor(Math.max(0, limitNanos - spentNanos) / 10_000_000),
    resetSeconds: secondsToPeriodEnd(period, at),
  };
}

/** The quota closest to running out (smallest share left; then the later reset). */
function tightest(quotas: Quota[]): Quota {
  const share = (quota: Quota) => (quota.limit <= 0 ? 0 : Math.max(0, quota.remaining) / quota.limit);
  return quotas.reduce((best, quota) => {
    const difference = share(quota) - share(best);
    return difference < 0 || (difference === 0 && quota.resetSeconds > best.resetSeconds) ? quota : best;
  });
}

const kindNames: Record<LimitKind, string> = { rpm: 'rpm_limit', tpm: 'tpm_limit', parallel: 'max_parallel', budget: 'budget' };

/** A 429 from a key's limit or budget, with the RateLimit headers its response carries. */
export class LimitExceededError extends GatewayError {
  readonly rateLimitHeaders: Record<string, string>;
  /** Which limit refused: requests or tokens per minute, parallel requests, or the USD budget. */
  readonly kind: LimitKind;
  /** Whose limit it was: the key's own, or the key's limits for one model. */
  readonly scope: 'key' | 'model';

  constructor(message: string, options: { param: string; retryAfterSeconds: number; quota: Quota; kind: LimitKind; scope: 'key' | 'model' }) {
    super('rate_limited', message, { param: options.param, retryAfterSeconds: options.retryAfterSeconds });
    this.rateLimitHeaders = rateLimitHeaders(options.quota);
    this.kind = options.kind;
    this.scope = options.scope;
  }
}

function refusalOf(scope: Scope, kind: LimitKind, retryAfterMs: number, limit: number, used: number, at: Date): LimitExceededError {
  const param = `${scope.param}${kindNames[kind]}`;
  const whose = scope.label === 'key' ? 'this key' : `this key for model "${scope.label}"`;
  const source = { kind, scope: scope.param === '' ? ('key' as const) : ('model' as const) };
  switch (kind) {
    case 'rpm':
    case 'tpm': {
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      const what = kind === 'rpm' ? `${limit} requests per minute` : `${limit} tokens per minute`;
      return new LimitExceededError(`Rate limit of ${what} reached for ${whose} (${param}); retry in ${seconds}s`, {
        param,
        retryAfterSeconds: seconds,
        quota: { limit, remaining: 0, resetSeconds: seconds },
        ...source,
      });
    }
    case 'parallel':
      return new LimitExceededError(`Limit of ${limit} parallel requests reached for ${whose} (${param}); ${used} in flight`, {
        param,
        retryAfterSeconds: 1,
        quota: { limit, remaining: 0, resetSeconds: 1 },
        ...source,
      });
    case 'budget': {
      const budget = scope.limits.budget!;
      const period = scope.period!;
      const seconds = secondsToPeriodEnd(period, at);
      const periodName = { daily: 'day', weekly: 'week', monthly: 'month' }[budget.period];
      return new LimitExceededError(
        `Budget of $${budget.maxUsd} per ${periodName} (${budget.period}, UTC) exhausted for ${whose} (${param}): $${(used / nanosPerUsd).toFixed(4)} spent or reserved; it renews at ${period.end.toISOString()}`,
        { param, retryAfterSeconds: seconds, quota: { ...budgetQuota(budget, used, period, at), remaining: 0 }, ...source },
      );
    }
  }
}

function storeDown(error: unknown): GatewayError {
  return new GatewayError('dependency_unavailable', 'Rate limits and budgets of this key cannot be checked right now (counter store unreachable); retry shortly', {
    retryAfterSeconds: 5,
    cause: error,
  });
}
