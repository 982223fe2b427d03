import type { FastifyReply, FastifyRequest } from 'fastify';
import { headerNames, routerPlan, type Plan } from '@gateway/contracts';
import type { Bus } from '@gateway/bus';
import type { KeyValueStore } from '@gateway/kv';
import type { AttemptRecord, ExecuteOptions, Execution, ExecutionTarget, Executor, Usage, Warning } from '@gateway/providers';
import type { CachedKey, KeyCache } from '../auth/key-cache.ts';
import { cacheStatusHeader, type RequestCacheSettings, type ResponseCache } from '../cache/response-cache.ts';
import type { RequestGuardrails } from '../guardrails/request-guardrails.ts';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';
import { readSteering, scalarParams } from '../http/steering-headers.ts';
import type { RequestLimits } from '../limits/request-limits.ts';
import { costUsd } from '../usage/cost.ts';
import type { RequestState } from '../usage/request-state.ts';

export interface V1RouteOptions {
  bus: Bus;
  keys: KeyCache;
  executor: Executor;
  catalog: () => ProviderCatalog;
  finish: (state: RequestState, status: number) => void;
  /** Shared state across replicas (Idempotency-Key claims and answers); absent: this process's memory. */
  store?: KeyValueStore;
  /** Key limits and budgets: checked once the plan is known, before any provider call. */
  limits?: RequestLimits;
  /** Guardrail checks of requests and answers (the policies come from the catalog, the key and the request). */
  guardrails?: RequestGuardrails;
  /** The response cache: absent, or `settingsFor` null for a key and model, means no caching. */
  cache?: {
    responses: ResponseCache;
    /** The cache settings for a request of this key to this (planned) model; null when caching is off. */
    settingsFor(key: CachedKey, model: string): RequestCacheSettings | null;
  };
}

/** What the /v1 route files share: planning, running a provider call, and settling its usage. */
export interface GatewayCalls {
  options: V1RouteOptions;
  plan(request: FastifyRequest, model: string, operation: 'chat' | 'embeddings'): Promise<Plan>;
  /** Runs a non-streaming provider call, timing it and noting what served it on the reply and the record. */
  callProvider<Result extends { usage: Usage; warnings?: Warning[] }>(
    request: FastifyRequest,
    reply: FastifyReply,
    chosen: Plan,
    run: (signal: AbortSignal) => Promise<Execution<Result>>,
  ): Promise<Result>;
  /** Opens a stream (no reply written yet): times the opening, notes attempts when it fails. */
  openStream<Result>(request: FastifyRequest, run: (signal: AbortSignal) => Promise<Execution<Result>>): Promise<Execution<Result>>;
  /** Headers of a stream's response: ids, what served it, warnings, overhead so far. */
  streamHeaders(request: FastifyRequest, opened: Execution<{ warnings: Warning[] }>): Record<string, string>;
  /** Tokens and cost of a finished call on the request's record. */
  settleUsage(state: RequestState, requestedModel: string, target: ExecutionTarget, usage: Usage): void;
  /** Whether the request asked for strict mode (`x-gateway-strict: true`) or its key always does. */
  strict(request: FastifyRequest): boolean;
  /** What the executor gets for this request: ids, the client's abort signal, strict mode, the deadline. */
  executeOptions(request: FastifyRequest, signal: AbortSignal): ExecuteOptions;
}

export function createGatewayCalls(options: V1RouteOptions): GatewayCalls {
  const settleUsage = (state: RequestState, requestedModel: string, target: ExecutionTarget, usage: Usage): void => {
    state.inputTokens = usage.inputTokens;
    state.outputTokens = usage.outputTokens;
    state.cachedInputTokens = usage.cachedInputTokens ?? 0;
    state.reasoningTokens = usage.reasoningTokens ?? 0;
    state.costUsd = costUsd(options.catalog(), requestedModel, { ...target, price: targetPrice(state.plan, target) }, usage);
  };

  const noteTarget = (state: RequestState, target: ExecutionTarget, attempts: AttemptRecord[]): void => {
    state.provider = target.provider;
    state.providerModel = target.model;
    noteAttempts(state, attempts);
  };

  const strictMode = (request: FastifyRequest): boolean =>
    request.headers[headerNames.strict] === 'true' || request.gateway.key?.strict === true;

  /** A hedge's loser that did answer was billed by its provider: its tokens and cost join the record. */
  const addExtraUsage = (state: RequestState, requestedModel: string, extra: Execution<unknown>['extraUsage']): void => {
    for (const { target, usage } of extra ?? []) {
      state.inputTokens += usage.inputTokens;
      state.outputTokens += usage.outputTokens;
      const cost = costUsd(options.catalog(), requestedModel, { ...target, price: targetPrice(state.plan, target) }, usage);
      if (cost !== null) state.costUsd = (state.costUsd ?? 0) + cost;
    }
  };

  return {
    options,

    async plan(request, model, operation) {
      const key = request.gateway.key!;
      const steering = readSteering(request);
      const chosen = await options.bus.request(
        routerPlan,
        {
          requestId: request.id,
          model,
          operation,
          key: { id: key.id, ...(key.models ? { models: key.models } : {}), metadata: key.metadata },
          ...(steering.metadata ? { metadata: steering.metadata } : {}),
          ...(steering.inlineConfig !== undefined ? { inlineConfig: steering.inlineConfig } : {}),
          params: scalarParams(request.body),
        },
        { context: { requestId: request.id, ...(request.traceparent ? { traceparent: request.traceparent } : {}) } },
      );
      const state = request.gateway;
      state.plan = chosen;
      if (steering.timeoutMs !== undefined) state.deadlineAt = Date.parse(state.createdAt) + steering.timeoutMs;
      // Limits and budgets are reserved here, priced at the plan's targets; refused requests reach no provider.
      await options.limits?.admitPlanned(request, chosen, operation);
      return chosen;
    },

    async callProvider(request, reply, chosen, run) {
      const state = request.gateway;
      const providerStarted = performance.now();
      try {
        const outcome = await run(cancelSignal(state));
        state.providerMs = performance.now() - providerStarted;
        noteTarget(state, outcome.target, outcome.attempts);
        settleUsage(state, chosen.model, outcome.target, outcome.result.usage);
        addExtraUsage(state, chosen.model, outcome.extraUsage);
        reply.header(headerNames.target, `${outcome.target.provider}/${outcome.target.model}`);
        reply.header(headerNames.attempts, String(outcome.attempts.length));
        const warnings = warningsHeader(outcome.result.warnings ?? []);
        if (warnings) reply.header(headerNames.warnings, warnings);
        return outcome.result;
      } catch (error) {
        state.providerMs = performance.now() - providerStarted;
        noteAttempts(state, error);
        throw error;
      }
    },

    async openStream(request, run) {
      const state = request.gateway;
      const providerStarted = performance.now();
      try {
        const opened = await run(cancelSignal(state));
        noteTarget(state, opened.target, opened.attempts);
        return opened;
      } catch (error) {
        noteAttempts(state, error);
        throw error;
      } finally {
        state.providerMs = performance.now() - providerStarted;
      }
    },

    streamHeaders(request, opened) {
      const state = request.gateway;
      const headers: Record<string, string> = {
        [headerNames.requestId]: request.id,
        [headerNames.gatewayRequestId]: state.requestId,
        [headerNames.target]: `${opened.target.provider}/${opened.target.model}`,
        [headerNames.attempts]: String(opened.attempts.length),
        ...options.limits?.headersOf(state),
        ...(state.cacheStatus ? { [headerNames.cache]: cacheStatusHeader[state.cacheStatus] } : {}),
      };
      const warnings = warningsHeader(opened.result.warnings);
      if (warnings) headers[headerNames.warnings] = warnings;
      return headers;
    },

    settleUsage,

    strict: strictMode,

    executeOptions(request, signal) {
      const state = request.gateway;
      return {
        requestId: request.id,
        signal,
        strict: strictMode(request),
        receivedAt: Date.parse(state.createdAt),
        ...(state.deadlineAt === undefined ? {} : { deadlineAt: state.deadlineAt }),
      };
    },
  };
}

/**
 * `x-gateway-warnings`: a JSON array of `{ setting?, message }`, non-ASCII escaped so the header stays
 * valid; undefined when there is nothing to say.
 */
export function warningsHeader(warnings: readonly Warning[]): string | undefined {
  if (warnings.length === 0) return undefined;
  const shown: string[] = [];
  let length = 2;
  for (const { setting, message } of warnings) {
    const entry = asciiJson(setting === undefined ? { message } : { setting, message });
    // Header sizes are bounded (Node refuses more than 16 KiB of them): the rest is summed up.
    if (length + entry.length + 1 > maxWarningsHeader - 64) {
      shown.push(asciiJson({ message: `${warnings.length - shown.length} more warnings not shown` }));
      break;
    }
    shown.push(entry);
    length += entry.length + 1;
  }
  return `[${shown.join(',')}]`;
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** At most this many characters of warnings in one header. */
const maxWarningsHeader = 4096;

/** The signal that aborts provider calls when the client leaves (made only for calls that need one). */
export function cancelSignal(state: RequestState): AbortSignal {
  state.cancel ??= new AbortController();
  return state.cancel.signal;
}

/** Attempts of a run (from its result or its error) on the record: their count, and whether retries or a hedge happened. */
function noteAttempts(state: RequestState, from: unknown): void {
  const attempts = Array.isArray(from) ? (from as AttemptRecord[]) : (from as { attempts?: AttemptRecord[] } | null)?.attempts;
  if (!Array.isArray(attempts)) return;
  state.attempts = attempts.length;
  // The executor's attempt records are the usage record's attempt log entries, field for field.
  state.attemptLog = [...attempts];
  const flag = (name: string) => {
    if (!state.flags.includes(name)) state.flags.push(name);
  };
  if (attempts.some((attempt) => attempt.retry !== undefined)) flag('retried');
  if (attempts.some((attempt) => attempt.hedge)) flag('hedged');
  if (attempts.some((attempt) => attempt.fallback !== undefined)) flag(`fallback_${attempts.find((attempt) => attempt.fallback)!.fallback}`);
}

/** The price the plan gives a target (its own `price` in gateway.yaml), if any. */
function targetPrice(plan: Plan | undefined, target: ExecutionTarget) {
  const all = [...(plan?.targets ?? []), ...(plan?.fallbacks?.contextWindow ?? []), ...(plan?.fallbacks?.contentPolicy ?? [])];
  return all.find((candidate) => candidate.provider === target.provider && candidate.model === target.model)?.price;
}
