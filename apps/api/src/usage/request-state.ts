import type { AttemptLogEntry, ErrorCode, GuardrailVerdict, Plan, UsageRecord } from '@gateway/contracts';
import type { CachedKey } from '../auth/key-cache.ts';
import type { BodyLog } from '../bodies/body-log.ts';

/**
 * What the gateway learns about one /v1 request as it goes; turned into exactly one usage record when
 * the response is finished (or the client goes away).
 */
export interface RequestState {
  /** The gateway's own unique id for the request: the usage record's key. */
  requestId: string;
  /** The caller's `x-request-id`, when one was sent (kept for correlation, never trusted as unique). */
  clientRequestId: string | null;
  startedAt: number;
  createdAt: string;
  endpoint: UsageRecord['endpoint'];
  key: CachedKey | null;
  model: string | null;
  provider: string | null;
  providerModel: string | null;
  stream: boolean;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costUsd: number | null;
  /** Milliseconds spent waiting on providers (the rest is gateway overhead). */
  providerMs: number;
  attempts: number;
  /** The provider attempts themselves (target, status, latency, start…), for the record's timeline. */
  attemptLog: AttemptLogEntry[];
  errorCode: ErrorCode | null;
  /** What happened beyond a plain call, for the usage record (`continued`, `idempotent_replay`…). */
  flags: string[];
  /** What the response cache did (null: caching is off for the request). */
  cacheStatus: 'hit' | 'semantic_hit' | 'miss' | 'refresh' | 'bypass' | null;
  /** On a cache hit: what the stored answer cost when it was made (the cost this request saved). */
  costSavedUsd: number | null;
  /** What embedding the prompt for a semantic cache lookup cost (added to `costUsd` when the record is made). */
  cacheEmbeddingCostUsd: number | null;
  /** What each guardrail check decided, input and output, in the order they ran (never a value found). */
  guardrails: GuardrailVerdict[];
  /** The prompt and completion, collected when the key logs bodies (chat requests of either surface). */
  bodies?: BodyLog;
  /** The router's plan, once asked: its strategy and reason go on the record, its target prices into cost. */
  plan?: Plan;
  /** Epoch ms by which the caller wants an answer (`x-gateway-timeout-ms`). */
  deadlineAt?: number;
  /** Aborts provider calls when the client leaves; created on first use. */
  cancel?: AbortController;
  /** True once a stream has taken over the response; the stream then records the request itself. */
  streaming: boolean;
  /** Set once the record has been handed to the recorder, so it is never written twice. */
  recorded: boolean;
}

export function newRequestState(
  ids: { requestId: string; clientRequestId: string | null },
  endpoint: UsageRecord['endpoint'],
): RequestState {
  return {
    requestId: ids.requestId,
    clientRequestId: ids.clientRequestId,
    startedAt: performance.now(),
    createdAt: new Date().toISOString(),
    endpoint,
    key: null,
    model: null,
    provider: null,
    providerModel: null,
    stream: false,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costUsd: null,
    providerMs: 0,
    attempts: 0,
    attemptLog: [],
    errorCode: null,
    flags: [],
    cacheStatus: null,
    costSavedUsd: null,
    cacheEmbeddingCostUsd: null,
    guardrails: [],
    streaming: false,
    recorded: false,
  };
}

export function overheadMs(state: RequestState, now = performance.now()): number {
  return Math.max(0, now - state.startedAt - state.providerMs);
}
