import {
  GatewayError,
  type AnthropicCountTokensRequest,
  type AnthropicMessagesRequest,
  type ChatCompletionRequest,
  type EmbeddingsRequest,
  type ErrorCode,
  type Plan,
  type PlanTarget,
} from '@gateway/contracts';
import { ProviderError, type ProviderErrorKind } from './errors.ts';
import { chatCompletionToMessage, chatStreamToMessageEvents, messagesToChatRequest } from './anthropic-surface/index.ts';
import { AttemptSignal, type TimeoutCause } from './execution/attempt-signal.ts';
import { sleep, systemClock, type ExecutorClock } from './execution/clock.ts';
import { createRetryBudget, type RetryBudget, type RetryBudgetSettings } from './execution/retry-budget.ts';
import { backoffMs, fallsBack, isRetryable, policyOf } from './execution/retry-policy.ts';
import type {
  ChatResult,
  ChatStreamResult,
  EmbeddingsResult,
  MessagesResult,
  MessagesStreamResult,
  ProviderAdapter,
  Usage,
  Warning,
} from './types.ts';
import { enforceStrict } from './warnings.ts';

/**
 * Runs a plan: one retry loop over its targets (adapters make one HTTP call each; no SDK retries).
 *
 * Retries. A target is called again, up to its `retry.attempts` (default 2) more times, after a
 * connection failure, a timeout, or an upstream status in its `retry.onStatusCodes` (default: 408, 409,
 * 429, 5xx), never after 400/401/403/404/422. The wait is full-jitter exponential backoff, a random
 * time in [0, min(maxBackoffMs, initialBackoffMs · 2^retry)), or the provider's `retry-after-ms` /
 * `Retry-After` when it sent one; a Retry-After longer than `maxRetryAfterMs` (default 30 s) is not
 * waited for: the run moves to the next target at once. Each deployment has a retry budget (see
 * execution/retry-budget.ts): when it is spent the run falls back without retrying.
 *
 * Fallbacks. After the retries of a target, the next target is tried when the failure was retryable
 * by nature (408, 409, 429, 5xx, connection failures, timeouts) or its status is in the target's
 * `onStatusCodes`. A refusal of kind `context_window` or `content_policy` switches to the plan's
 * `fallbacks.contextWindow` / `fallbacks.contentPolicy` (tried in order, instead of the rest of the
 * targets) when the plan has them. Anything else ends the run: a request the upstream refused as
 * invalid, or a rejected credential, would most likely be refused by the next target too.
 *
 * Deadline and timeouts. The request's deadline (`deadlineAt`, and the plan's `deadlineMs` from the
 * start of the run, whichever comes first) bounds everything: each attempt, each wait between chunks of
 * a stream, each backoff (a backoff that would pass it is skipped for the next target). When it passes,
 * the run ends with provider_timeout (504) saying so. Each attempt's timeout is the target's
 * `timeouts.requestMs`, else the provider's `timeoutMs`, else 60 s. A stream waits at most
 * `timeouts.ttftMs` (default: the request timeout) for its first part and `timeouts.idleMs` (default:
 * the request timeout) for each next one; a long stream that keeps sending is not cut by the request
 * timeout. A stream counts as open once its first part arrived: until then it is retried and falls
 * back like any call; after that its failures surface from its parts and nothing is retried.
 *
 * Hedging (`plan.hedge.afterMs`). When the first attempt of the run has not answered after `afterMs`
 * (for a stream: not sent its first part), one duplicate goes to the next target. The first success
 * wins; the other attempt is aborted. Both are in `attempts` (the aborted one as 499
 * request_cancelled); a loser that did answer has its usage in `extraUsage`. A hedge takes a retry
 * from the budget of the slow deployment; without budget, no hedge. At most one hedge per run.
 *
 * Health. Around every call the deployment state (if given) hears attemptStarted / attemptFinished
 * (status, latency, time to first part, tokens); for a stream, the finish comes when the stream ends.
 * The writes are not awaited: a slow or failing store never delays or fails a request.
 *
 * When the caller's own signal aborts, the run stops and rethrows the caller's reason: a cancellation
 * is neither a provider failure nor a reason to try another target.
 */

export const defaultTimeoutMs = 60_000;

export interface AttemptRecord {
  provider: string;
  model: string;
  /** 200 for success; the upstream status when it answered; else the status of the error code (504, 503, 499…). */
  status: number;
  latencyMs: number;
  /** When the attempt started: milliseconds after the request arrived (`receivedAt`), for a timeline. */
  startMs: number;
  errorCode?: ErrorCode;
  /** Which retry of this target the attempt was (1 = the first retry); absent on a target's first call. */
  retry?: number;
  /** The duplicate sent by hedging. */
  hedge?: true;
  /** The target came from the plan's dedicated fallbacks for this kind of refusal. */
  fallback?: ProviderErrorKind;
}

export interface ExecutionTarget {
  provider: string;
  model: string;
}

export interface Execution<Result> {
  result: Result;
  /** The target that served the request. */
  target: ExecutionTarget;
  /** Every attempt in the order they ended, the successful one among them. */
  attempts: AttemptRecord[];
  /** Usage of attempts that answered but did not serve (a hedge that lost the race): billed too. */
  extraUsage?: Array<{ target: ExecutionTarget; usage: Usage }>;
}

/** What a failed run throws: its last error, with every attempt attached. */
export type ExecutionError = GatewayError & { attempts: AttemptRecord[] };

/** What an attempt tells the deployment state (structurally `DeploymentState` of @gateway/deployment-state). */
export interface DeploymentHealthWriter {
  attemptStarted(deployment: ExecutionTarget): Promise<void>;
  attemptFinished(
    deployment: ExecutionTarget,
    outcome: { ok: boolean; status: number; latencyMs: number; ttftMs?: number; tokens?: number },
  ): Promise<void>;
}

export interface ExecuteOptions {
  requestId: string;
  signal?: AbortSignal;
  /** Strict mode: what a provider cannot do fails the request (400) instead of becoming a warning. */
  strict?: boolean;
  /** Epoch ms by which the whole request must be answered (`x-gateway-timeout-ms`, the plan's `deadlineMs`). */
  deadlineAt?: number;
  /** Epoch ms the request arrived: deadlines count from then (default: when the executor starts). */
  receivedAt?: number;
  /** Overrides the executor's deployment state for this run. */
  deploymentState?: DeploymentHealthWriter;
  /** Called as each attempt ends, e.g. for metrics. */
  onAttempt?: (attempt: AttemptRecord) => void;
}

/** The subset of a pino logger the executor uses. */
export interface ExecutorLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface ExecutorOptions {
  /** The adapter for a provider name, or undefined if no such provider is configured (any more). */
  getAdapter: (providerName: string) => ProviderAdapter | undefined;
  logger?: ExecutorLogger;
  /** Where attempts are reported (in-flight counts, latency, ejection). */
  deploymentState?: DeploymentHealthWriter;
  /** The per-deployment retry budget of this replica (defaults: 20% of requests + 1 retry/s over 10 s). */
  retryBudget?: Partial<RetryBudgetSettings>;
  /** Injected for tests: the clock and timers, and the random source of the backoff jitter. */
  clock?: ExecutorClock;
  random?: () => number;
}

export interface Executor {
  chat(plan: Plan, request: ChatCompletionRequest, options: ExecuteOptions): Promise<Execution<ChatResult>>;
  chatStream(plan: Plan, request: ChatCompletionRequest, options: ExecuteOptions): Promise<Execution<ChatStreamResult>>;
  embeddings(plan: Plan, request: EmbeddingsRequest, options: ExecuteOptions): Promise<Execution<EmbeddingsResult>>;
  /**
   * The Anthropic surface: an adapter that speaks Anthropic's protocol gets the request as it came;
   * any other is reached through the translation in `anthropic-surface/` (both directions).
   */
  messages(plan: Plan, request: AnthropicMessagesRequest, options: ExecuteOptions): Promise<Execution<MessagesResult>>;
  messagesStream(plan: Plan, request: AnthropicMessagesRequest, options: ExecuteOptions): Promise<Execution<MessagesStreamResult>>;
  /** Only providers that count tokens themselves (Anthropic) answer; others are a 400 naming the provider. */
  countTokens(plan: Plan, request: AnthropicCountTokensRequest, options: ExecuteOptions): Promise<Execution<{ inputTokens: number }>>;
}

/** The attempts attached to an error thrown by the executor, if any. */
export function attemptsOf(error: unknown): AttemptRecord[] | undefined {
  if (typeof error !== 'object' || error === null || !('attempts' in error)) return undefined;
  return Array.isArray(error.attempts) ? (error.attempts as AttemptRecord[]) : undefined;
}

/** Unexpected throws (bugs) become internal errors; they are not a provider's fault. */
function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_error', 'the gateway failed while calling a provider', { cause: error });
}

function attemptStatus(error: GatewayError): number {
  return (error instanceof ProviderError ? error.upstreamStatus : undefined) ?? error.status;
}

function tokensOf(usage: Usage | null | undefined): number | undefined {
  return usage ? usage.inputTokens + usage.outputTokens : undefined;
}

/** The reason a hedge's losing attempt is aborted with. */
const hedgeLost = new DOMException('another attempt answered first', 'AbortError');

/** Everything one attempt needs: its signal, its limits, and how to report its end to the health writer. */
interface AttemptContext {
  readonly signal: AttemptSignal;
  readonly provider: string;
  readonly requestMs: number;
  readonly ttftMs: number;
  readonly ttftCause: TimeoutCause;
  readonly idleMs: number;
  readonly startedAt: number;
  readonly clock: ExecutorClock;
  /** Turns the adapter's timeout error into one that says which limit passed. */
  explain(error: unknown): unknown;
  /** Reports the attempt's end to the deployment state, once. */
  finish(outcome: { ok: boolean; status: number; ttftMs?: number; tokens?: number }): void;
}

/** How one operation calls an adapter. */
interface Operation<Result> {
  stream: boolean;
  call(adapter: ProviderAdapter, target: ExecutionTarget, context: AttemptContext): Promise<Result>;
  usageOf(result: Result): Usage | undefined;
  /** Lets go of a result nobody will use (a losing hedge's open stream). */
  discard(result: Result): Promise<void>;
}

type Outcome<Result> =
  | { ok: true; result: Result; target: ExecutionTarget }
  | { ok: false; error: GatewayError; target: ExecutionTarget; missing?: true; cancelled?: true; deadline?: true };

interface StartedAttempt<Result> {
  settled: Promise<Outcome<Result>>;
  cancel(): void;
}

interface AttemptMeta {
  retry: number;
  hedge?: true;
  fallback?: ProviderErrorKind;
}

interface RunState {
  readonly plan: Plan;
  readonly execute: ExecuteOptions;
  readonly startedAt: number;
  /** When the request arrived (deadlines count from then). */
  readonly receivedAt: number;
  readonly deadlineAt: number;
  readonly attempts: AttemptRecord[];
  readonly extraUsage: Array<{ target: ExecutionTarget; usage: Usage }>;
  readonly health: DeploymentHealthWriter | undefined;
}

const noop = () => undefined;

export function createExecutor(options: ExecutorOptions): Executor {
  const { getAdapter, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const budget: RetryBudget = createRetryBudget(options.retryBudget ?? {}, clock);

  function report(state: RunState, record: AttemptRecord): void {
    state.attempts.push(record);
    try {
      state.execute.onAttempt?.(record);
    } catch (error) {
      logger?.warn({ request_id: state.execute.requestId, error: String(error) }, 'onAttempt hook failed');
    }
  }

  /** Fire and forget: the store's trouble is logged, never the request's. */
  function healthWrite(state: RunState, write: (health: DeploymentHealthWriter) => Promise<void>): void {
    const { health } = state;
    if (!health) return;
    Promise.resolve()
      .then(() => write(health))
      .catch((error: unknown) => {
        logger?.warn({ request_id: state.execute.requestId, error: error instanceof Error ? error.message : String(error) }, 'deployment state write failed');
      });
  }

  function deadlineError(state: RunState, provider: string | undefined): ProviderError | GatewayError {
    const message = `the request deadline (${state.deadlineAt - state.receivedAt} ms) passed${provider ? ` while waiting on provider ${provider}` : ''}`;
    return provider
      ? new ProviderError('provider_timeout', message, { provider, retryable: false })
      : new GatewayError('provider_timeout', message);
  }

  function startAttempt<Result>(operation: Operation<Result>, target: PlanTarget, meta: AttemptMeta, state: RunState): StartedAttempt<Result> {
    const { provider, model } = target;
    const deployment = { provider, model };
    const extra = { ...(meta.retry > 0 && { retry: meta.retry }), ...(meta.hedge && { hedge: true as const }), ...(meta.fallback && { fallback: meta.fallback }) };
    const adapter = getAdapter(provider);
    if (!adapter) {
      // The router planned a provider this process does not have (yet, or any more): its config
      // changed between the two, which passes once both reloaded. Not the client's mistake, and
      // worth a retry: provider_unavailable (503), and the next target may still serve the request.
      const missing = new GatewayError(
        'provider_unavailable',
        `provider ${provider} is not available: it is not configured on this gateway instance (configuration changing?)`,
        { source: `provider:${provider}` },
      );
      report(state, { provider, model, status: missing.status, latencyMs: 0, startMs: Math.max(0, Math.round(clock.now() - state.receivedAt)), errorCode: missing.code, ...extra });
      return { settled: Promise.resolve({ ok: false, error: missing, target: deployment, missing: true }), cancel: noop };
    }
    if (meta.retry === 0) budget.recordRequest(`${provider}/${model}`);
    const signal = new AttemptSignal(clock, state.execute.signal, state.deadlineAt);
    const startedAt = clock.now();
    const startMs = Math.max(0, Math.round(startedAt - state.receivedAt));
    const requestMs = target.timeouts?.requestMs ?? adapter.settings.timeoutMs ?? defaultTimeoutMs;
    let finished = false;
    healthWrite(state, (health) => health.attemptStarted(deployment));
    const context: AttemptContext = {
      signal,
      provider,
      requestMs,
      ttftMs: target.timeouts?.ttftMs ?? requestMs,
      ttftCause: target.timeouts?.ttftMs === undefined ? 'request' : 'ttft',
      idleMs: target.timeouts?.idleMs ?? requestMs,
      startedAt,
      clock,
      explain: (error) => explainTimeout(error, signal, provider, state),
      finish(outcome) {
        if (finished) return;
        finished = true;
        const latencyMs = clock.now() - startedAt;
        const { ttftMs, tokens } = outcome;
        healthWrite(state, (health) =>
          health.attemptFinished(deployment, {
            ok: outcome.ok,
            status: outcome.status,
            latencyMs,
            ...(ttftMs !== undefined && { ttftMs }),
            ...(tokens !== undefined && { tokens }),
          }),
        );
      },
    };
    const settled = (async (): Promise<Outcome<Result>> => {
      try {
        if (!operation.stream) signal.arm(requestMs, 'request');
        const result = await operation.call(adapter, deployment, context);
        if (!operation.stream) {
          signal.dispose();
          const tokens = tokensOf(operation.usageOf(result));
          context.finish({ ok: true, status: 200, ...(tokens !== undefined && { tokens }) });
        }
        report(state, { provider, model, status: 200, latencyMs: Math.round(clock.now() - startedAt), startMs, ...extra });
        return { ok: true, result, target: deployment };
      } catch (error) {
        signal.dispose();
        const latencyMs = Math.round(clock.now() - startedAt);
        const callerSignal = state.execute.signal;
        if (callerSignal?.aborted || signal.signal.reason === hedgeLost) {
          context.finish({ ok: false, status: 499 });
          report(state, { provider, model, status: 499, latencyMs, startMs, errorCode: 'request_cancelled', ...extra });
          if (callerSignal?.aborted) throw callerSignal.reason;
          const cancelled = new GatewayError('request_cancelled', `the attempt on provider ${provider} lost to a hedge`);
          return { ok: false, error: cancelled, target: deployment, cancelled: true };
        }
        const failure = asGatewayError(context.explain(error));
        const status = attemptStatus(failure);
        context.finish({ ok: false, status });
        report(state, { provider, model, status, latencyMs, startMs, errorCode: failure.code, ...extra });
        return { ok: false, error: failure, target: deployment, ...(signal.timedOut?.cause === 'deadline' && { deadline: true as const }) };
      }
    })();
    return { settled, cancel: () => signal.cancel(hedgeLost) };
  }

  function explainTimeout(error: unknown, signal: AttemptSignal, provider: string, state: RunState): unknown {
    const timedOut = signal.timedOut;
    if (!timedOut || !(error instanceof GatewayError) || error.code !== 'provider_timeout') return error;
    switch (timedOut.cause) {
      case 'deadline':
        return deadlineError(state, provider);
      case 'ttft':
        return new ProviderError('provider_timeout', `provider ${provider} sent no first token within ${timedOut.ms} ms`, { provider, retryable: true });
      case 'idle':
        return new ProviderError('provider_timeout', `the stream from provider ${provider} sent nothing for ${timedOut.ms} ms`, { provider, retryable: true });
      case 'request':
        return error;
    }
  }

  function logFailure(state: RunState, outcome: Outcome<unknown> & { ok: false }, meta: AttemptMeta, action: Record<string, unknown>): void {
    const failure = outcome.error;
    logger?.warn(
      {
        request_id: state.execute.requestId,
        provider: outcome.target.provider,
        model: outcome.target.model,
        status: attemptStatus(failure),
        code: failure.code,
        retryable: failure instanceof ProviderError && failure.retryable,
        ...(meta.retry > 0 && { retry: meta.retry }),
        ...(meta.hedge && { hedge: true }),
        ...action,
        error: failure.message,
        // The provider's own words (scrubbed), which the public message leaves out of a 5xx.
        ...(failure instanceof ProviderError && failure.upstreamMessage !== undefined && { upstream_message: failure.upstreamMessage }),
      },
      outcome.missing ? 'plan names a provider not configured here' : 'provider attempt failed',
    );
  }

  /** The first attempt of the run, with one duplicate on `hedgeTarget` if it is slow to answer. */
  async function hedgedAttempt<Result>(
    operation: Operation<Result>,
    primaryTarget: PlanTarget,
    hedgeTarget: PlanTarget,
    afterMs: number,
    state: RunState,
  ): Promise<Outcome<Result>> {
    const primary = startAttempt(operation, primaryTarget, { retry: 0 }, state);
    const stopTimer = new AbortController();
    const timer = sleep(clock, afterMs, stopTimer.signal).then(
      () => 'hedge' as const,
      () => 'stopped' as const,
    );
    const first = await Promise.race([primary.settled.then(() => 'primary' as const), timer]).finally(() => stopTimer.abort());
    if (first === 'primary') return primary.settled;
    if (clock.now() >= state.deadlineAt || !budget.tryRetry(`${primaryTarget.provider}/${primaryTarget.model}`)) {
      logger?.warn({ request_id: state.execute.requestId, provider: primaryTarget.provider, reason: 'retry budget spent or deadline' }, 'hedge skipped');
      return primary.settled;
    }
    const hedge = startAttempt(operation, hedgeTarget, { retry: 0, hedge: true }, state);
    const contenders = [primary, hedge] as const;
    const winner = await new Promise<number | undefined>((resolve, reject) => {
      let failed = 0;
      contenders.forEach((contender, index) => {
        contender.settled.then((outcome) => {
          if (outcome.ok) resolve(index);
          else if (++failed === contenders.length) resolve(undefined);
        }, reject);
      });
    });
    if (winner === undefined) {
      const hedgeOutcome = await hedge.settled;
      if (!hedgeOutcome.ok) logFailure(state, hedgeOutcome, { retry: 0, hedge: true }, { action: 'none' });
      return primary.settled;
    }
    const loser = contenders[1 - winner]!;
    loser.cancel();
    // Aborting makes the loser settle at once; waiting for it tells whether it answered (and used tokens).
    const lost = await loser.settled.catch(() => undefined);
    if (lost?.ok) {
      const usage = operation.usageOf(lost.result);
      if (usage) state.extraUsage.push({ target: lost.target, usage });
      await operation.discard(lost.result).catch(noop);
    } else if (lost && !lost.cancelled) {
      logFailure(state, lost, { retry: 0, ...(winner === 0 && { hedge: true as const }) }, { action: 'none' });
    }
    return contenders[winner]!.settled;
  }

  async function run<Result>(plan: Plan, execute: ExecuteOptions, operation: Operation<Result>): Promise<Execution<Result>> {
    const startedAt = clock.now();
    const state: RunState = {
      plan,
      execute,
      startedAt,
      receivedAt: execute.receivedAt ?? startedAt,
      deadlineAt: Math.min(
        execute.deadlineAt ?? Number.POSITIVE_INFINITY,
        plan.deadlineMs === undefined ? Number.POSITIVE_INFINITY : (execute.receivedAt ?? startedAt) + plan.deadlineMs,
      ),
      attempts: [],
      extraUsage: [],
      health: execute.deploymentState ?? options.deploymentState,
    };
    const fail = (error: GatewayError): never => {
      throw Object.assign(error, { attempts: state.attempts }) satisfies ExecutionError;
    };
    let targets = plan.targets;
    let switchedTo: ProviderErrorKind | undefined;
    let hedged = false;
    let lastError: GatewayError | undefined;
    let index = 0;
    while (index < targets.length) {
      const target = targets[index]!;
      const policy = policyOf(target.retry);
      let next: 'fallback' | ProviderErrorKind | undefined;
      for (let retry = 0; next === undefined; retry += 1) {
        if (execute.signal?.aborted) throw execute.signal.reason;
        if (clock.now() >= state.deadlineAt) fail(deadlineError(state, undefined));
        const meta: AttemptMeta = { retry, ...(switchedTo && { fallback: switchedTo }) };
        const hedgeTarget = targets[index + 1];
        let outcome: Outcome<Result>;
        if (!hedged && plan.hedge && index === 0 && retry === 0 && switchedTo === undefined && hedgeTarget) {
          hedged = true;
          outcome = await hedgedAttempt(operation, target, hedgeTarget, plan.hedge.afterMs, state);
        } else {
          outcome = await startAttempt(operation, target, meta, state).settled;
        }
        if (outcome.ok) {
          return {
            result: outcome.result,
            target: outcome.target,
            attempts: state.attempts,
            ...(state.extraUsage.length > 0 && { extraUsage: state.extraUsage }),
          };
        }
        const failure = outcome.error;
        // A provider's own failure says more than a provider missing here, so it is the one reported.
        lastError = outcome.missing ? (lastError ?? failure) : failure;
        if (outcome.missing) {
          logFailure(state, outcome, meta, { action: 'fallback' });
          next = 'fallback';
          break;
        }
        if (outcome.deadline) {
          logFailure(state, outcome, meta, { action: 'stop' });
          fail(failure);
        }
        const kind = failure instanceof ProviderError ? failure.kind : undefined;
        const dedicated = kind === 'context_window' ? plan.fallbacks?.contextWindow : kind === 'content_policy' ? plan.fallbacks?.contentPolicy : undefined;
        if (kind && dedicated && dedicated.length > 0) {
          // Already among that kind's fallbacks: the next one (e.g. a larger context window) is tried.
          next = switchedTo === kind ? 'fallback' : kind;
          logFailure(state, outcome, meta, { action: next === kind ? `fallback:${kind}` : 'fallback' });
          break;
        }
        let skipped: string | undefined;
        if (retry < policy.attempts && isRetryable(failure, policy)) {
          const retryAfterMs = failure instanceof ProviderError ? failure.retryAfterMs : undefined;
          const wait = retryAfterMs ?? backoffMs(policy, retry, random);
          if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) skipped = 'retry-after beyond maxRetryAfterMs';
          else if (clock.now() + wait >= state.deadlineAt) skipped = 'backoff would pass the deadline';
          else if (!budget.tryRetry(`${target.provider}/${target.model}`)) skipped = 'retry budget spent';
          if (skipped === undefined) {
            logFailure(state, outcome, meta, { action: 'retry', wait_ms: wait });
            await sleep(clock, wait, execute.signal);
            continue;
          }
        }
        next = fallsBack(failure, policy) ? 'fallback' : undefined;
        logFailure(state, outcome, meta, { action: next ?? 'stop', ...(skipped && { retry_skipped: skipped }) });
        if (next === undefined) fail(failure);
      }
      if (next === 'context_window' || next === 'content_policy') {
        targets = (next === 'context_window' ? plan.fallbacks?.contextWindow : plan.fallbacks?.contentPolicy) ?? [];
        switchedTo = next;
        index = 0;
      } else {
        index += 1;
      }
    }
    return fail(lastError ?? new GatewayError('internal_error', `the plan for model ${plan.model} has no targets`));
  }

  /** A call that answers in one piece. */
  function single<Result>(call: Operation<Result>['call'], usageOf: (result: Result) => Usage | undefined): Operation<Result> {
    return { stream: false, call, usageOf, discard: async () => undefined };
  }

  /** A stream: open, wait for the first part, hand over the guarded rest. */
  function streamed<Part extends { type: string }>(
    open: (adapter: ProviderAdapter, target: ExecutionTarget, context: AttemptContext) => Promise<{ parts: AsyncIterable<Part>; warnings: Warning[] }>,
  ): Operation<{ parts: AsyncIterable<Part>; warnings: Warning[] }> {
    return {
      stream: true,
      call: (adapter, target, context) => openStream(context, () => open(adapter, target, context)),
      usageOf: () => undefined,
      async discard(result) {
        // A generator that never started ignores return(): start it (its first part is ready), then close
        // it, so that the upstream stream is closed and the attempt reported.
        const iterator = result.parts[Symbol.asyncIterator]();
        await iterator.next();
        await iterator.return?.();
      },
    };
  }

  return {
    chat(plan, request, execute) {
      return run(
        plan,
        execute,
        single(
          (adapter, target, context) => adapter.chat({ request, ...callOptions(target, execute, context) }),
          (result) => result.usage,
        ),
      );
    },

    chatStream(plan, request, execute) {
      return run(plan, execute, streamed((adapter, target, context) => adapter.chatStream({ request, ...callOptions(target, execute, context) })));
    },

    embeddings(plan, request, execute) {
      return run(
        plan,
        execute,
        single(
          (adapter, target, context) => adapter.embeddings({ request, ...callOptions(target, execute, context) }),
          (result) => result.usage,
        ),
      );
    },

    messages(plan, request, execute) {
      return run(
        plan,
        execute,
        single(async (adapter, target, context) => {
          const call = callOptions(target, execute, context);
          if (adapter.messages) return adapter.messages({ ...call, request });
          const translated = translateMessages(adapter, request, execute);
          const result = await adapter.chat({ ...call, request: translated.request });
          return {
            response: chatCompletionToMessage(result.response, { model: target.model, usage: result.usage, finishReason: result.finishReason }),
            usage: result.usage,
            finishReason: result.finishReason,
            warnings: [...translated.warnings, ...result.warnings],
          };
        }, (result) => result.usage),
      );
    },

    messagesStream(plan, request, execute) {
      return run(
        plan,
        execute,
        streamed(async (adapter, target, context) => {
          const call = callOptions(target, execute, context);
          if (adapter.messagesStream) return adapter.messagesStream({ ...call, request });
          const translated = translateMessages(adapter, request, execute);
          const opened = await adapter.chatStream({ ...call, request: translated.request });
          // The translation starts with a message_start of its own: it begins only once the upstream's
          // first part is in, so a stream that fails before it still retries or falls back.
          const upstream = opened.parts[Symbol.asyncIterator]();
          const first = await upstream.next().catch(async (error: unknown) => {
            await upstream.return?.()?.catch(noop);
            throw error;
          });
          return {
            parts: chatStreamToMessageEvents(resumed(first, upstream), { model: target.model }),
            warnings: [...translated.warnings, ...opened.warnings],
          };
        }),
      );
    },

    countTokens(plan, request, execute) {
      // Only targets that count tokens themselves can answer: the others are skipped, not failed.
      const counting = plan.targets.filter((target) => getAdapter(target.provider)?.countTokens !== undefined);
      if (counting.length === 0) {
        const first = plan.targets[0];
        const type = first ? getAdapter(first.provider)?.settings.type : undefined;
        return Promise.reject(
          new GatewayError(
            'invalid_request',
            `count_tokens is answered by Anthropic upstreams only; model ${plan.model} is served by provider ${first?.provider ?? 'none'}${type ? ` (type ${type})` : ''}`,
            { param: 'model' },
          ),
        );
      }
      return run(
        { ...plan, targets: counting },
        execute,
        single((adapter, target, context) => adapter.countTokens!({ request, ...callOptions(target, execute, context) }), () => undefined),
      );
    },
  };
}

/** A stream whose first part was already read, whole again. */
async function* resumed<Part>(first: IteratorResult<Part>, rest: AsyncIterator<Part>): AsyncGenerator<Part> {
  let done = first.done === true;
  try {
    if (done) return;
    yield first.value as Part;
    for (;;) {
      const next = await rest.next();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await rest.return?.();
  }
}

/** What every adapter call gets: the upstream model, the request id, strict mode and the attempt's signal. */
function callOptions(target: ExecutionTarget, execute: ExecuteOptions, context: AttemptContext) {
  return {
    model: target.model,
    requestId: execute.requestId,
    ...(execute.strict === undefined ? {} : { strict: execute.strict }),
    signal: context.signal.signal,
  };
}

/** An Anthropic request for an OpenAI-protocol adapter; strict mode refuses what the translation loses. */
function translateMessages(adapter: ProviderAdapter, request: AnthropicMessagesRequest, execute: ExecuteOptions) {
  const translated = messagesToChatRequest(request, { provider: adapter.settings.name });
  enforceStrict(translated.warnings, execute.strict, adapter.settings.name);
  return translated;
}

/**
 * Opens a stream and waits for its first part, within the first-token timeout. The stream counts as
 * open once its first part arrived: until then nothing reached the client, so a stream that dies right
 * after its headers still retries or falls back.
 */
async function openStream<Part extends { type: string }>(
  context: AttemptContext,
  open: () => Promise<{ parts: AsyncIterable<Part>; warnings: Warning[] }>,
): Promise<{ parts: AsyncIterable<Part>; warnings: Warning[] }> {
  context.signal.arm(context.ttftMs, context.ttftCause);
  const opened = await open();
  const iterator = opened.parts[Symbol.asyncIterator]();
  let first: IteratorResult<Part>;
  try {
    first = await iterator.next();
  } catch (error) {
    context.signal.pause();
    await iterator.return?.()?.catch(noop);
    throw error;
  }
  context.signal.pause();
  const ttftMs = context.clock.now() - context.startedAt;
  return { ...opened, parts: guardedParts(first, iterator, context, ttftMs) };
}

/**
 * The rest of a stream whose first part was already read: each wait on the upstream is bounded by the
 * idle timeout (and the deadline); the timer is off while the consumer works on a part. When the stream
 * ends (done, failed, or left by the consumer: 499), the attempt is reported with its tokens.
 */
async function* guardedParts<Part extends { type: string }>(
  first: IteratorResult<Part>,
  iterator: AsyncIterator<Part>,
  context: AttemptContext,
  ttftMs: number,
): AsyncGenerator<Part> {
  let finished = first.done === true;
  let status = finished ? 200 : 499;
  let tokens: number | undefined;
  const tally = (part: Part) => {
    if (part.type === 'finish') tokens = tokensOf((part as { usage?: Usage | null }).usage) ?? tokens;
  };
  try {
    if (finished) return;
    tally(first.value as Part);
    yield first.value as Part;
    for (;;) {
      context.signal.arm(context.idleMs, 'idle');
      let next: IteratorResult<Part>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw context.explain(error);
      } finally {
        context.signal.pause();
      }
      if (next.done) {
        finished = true;
        status = 200;
        return;
      }
      tally(next.value);
      yield next.value;
    }
  } catch (error) {
    status = error instanceof GatewayError ? attemptStatus(error) : 499;
    throw error;
  } finally {
    context.signal.pause();
    try {
      if (!finished) await iterator.return?.();
    } finally {
      context.signal.dispose();
      context.finish({ ok: status === 200, status, ttftMs, ...(tokens !== undefined && { tokens }) });
    }
  }
}
