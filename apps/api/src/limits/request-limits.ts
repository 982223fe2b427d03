import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, headerNames, type Plan } from '@gateway/contracts';
import { Counter } from 'prom-client';
import type { Logger, Metrics } from '@gateway/telemetry';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';
import type { RequestState } from '../usage/request-state.ts';
import { KeyLimiter, LimitExceededError, type Admission } from './key-limiter.ts';
import { estimateCostUsd, estimateTokens } from './request-estimate.ts';

/**
 * Key limits on the request path: admission before the provider call, RateLimit headers on the
 * response (refusals included), settlement when the request's usage is final.
 */
export interface RequestLimits {
  /** For chat, embeddings and messages: after the plan (its targets give the price), before the call. */
  admitPlanned(request: FastifyRequest, plan: Plan, operation: 'chat' | 'embeddings'): Promise<void>;
  /** For pass-through calls: counts the request (RPM, parallel) with nothing reserved; settled to actuals. */
  admitPassthrough(request: FastifyRequest): Promise<void>;
  /** Sets the request's RateLimit headers on its reply, if it was checked against any limit. */
  writeHeaders(state: RequestState, reply: FastifyReply): void;
  /** The RateLimit headers of a request, for a stream's opening headers. */
  headersOf(state: RequestState): Record<string, string>;
  /** Settles an admitted request to the tokens and cost on its state (once; in the background). */
  settle(state: RequestState): void;
  /** Waits for settles still running. */
  flush(): Promise<void>;
}

/** Refusals by a key's limits, by `kind` (rpm, tpm, parallel, budget) and `scope` (key, model). */
const refusalsMetric = 'gateway_limit_refusals_total';

export function createRequestLimits(options: { limiter: KeyLimiter; catalog: () => ProviderCatalog; logger: Logger; metrics?: Metrics }): RequestLimits {
  const { limiter } = options;
  const registry = options.metrics?.registry;
  const refused = registry
    ? ((registry.getSingleMetric(refusalsMetric) as Counter<'kind' | 'scope'> | undefined) ??
      new Counter({
        name: refusalsMetric,
        help: 'Requests refused (429) by a key limit: kind rpm, tpm, parallel or budget; scope key or model (the key’s limits for one model)',
        labelNames: ['kind', 'scope'],
        registers: [registry],
      }))
    : undefined;
  const admissions = new WeakMap<RequestState, Admission>();
  const refusals = new WeakMap<RequestState, Record<string, string>>();
  const pending = new Set<Promise<unknown>>();

  async function admit(request: FastifyRequest, tokenEstimate: number, costEstimateUsd: number, model: string | null): Promise<void> {
    const state = request.gateway;
    if (!state.key || admissions.has(state)) return;
    try {
      const admission = await limiter.admit({ key: state.key, model, requestId: state.requestId, tokenEstimate, costEstimateUsd });
      if (admission) admissions.set(state, admission);
    } catch (error) {
      if (error instanceof LimitExceededError) {
        refusals.set(state, error.rateLimitHeaders);
        refused?.inc({ kind: error.kind, scope: error.scope });
      }
      throw error;
    }
  }

  return {
    async admitPlanned(request, plan, operation) {
      const state = request.gateway;
      if (state.endpoint === 'count_tokens') return;
      // Per-model limits are kept by the model name the request sends; an inline routing config would
      // let a request reach a limited model's deployments under another name, so such keys cannot use one.
      const modelLimits = state.key?.modelLimits;
      if (modelLimits && Object.keys(modelLimits).length > 0 && request.headers[headerNames.config] !== undefined) {
        throw new GatewayError('model_not_allowed', `A key with per-model limits cannot use ${headerNames.config}`, { param: headerNames.config });
      }
      const tokens = estimateTokens(request.body, bodyChars(request), operation);
      const costEstimate = estimateCostUsd(options.catalog(), plan, tokens);
      await admit(request, tokens.inputTokens + tokens.outputTokens, costEstimate, state.model);
    },

    async admitPassthrough(request) {
      await admit(request, 0, 0, null);
    },

    writeHeaders(state, reply) {
      const headers = admissions.get(state)?.headers ?? refusals.get(state);
      if (headers) reply.headers(headers);
    },

    headersOf(state) {
      return admissions.get(state)?.headers ?? refusals.get(state) ?? {};
    },

    settle(state) {
      const admission = admissions.get(state);
      if (!admission) return;
      admissions.delete(state);
      const settling = limiter
        .settle(admission, { tokens: state.inputTokens + state.outputTokens, costUsd: state.costUsd })
        .catch((error: unknown) =>
          options.logger.error({ err: error, requestId: state.requestId }, 'settling key limits failed; the slot expires and reconciliation restores the spend'),
        )
        .finally(() => pending.delete(settling));
      pending.add(settling);
    },

    async flush() {
      await Promise.all([...pending]);
    },
  };
}

/** The request body's size: its Content-Length, or its JSON length when it came without one. */
function bodyChars(request: FastifyRequest): number {
  const length = Number(request.headers['content-length']);
  if (Number.isFinite(length) && length > 0) return length;
  return request.body === undefined ? 0 : JSON.stringify(request.body).length;
}
