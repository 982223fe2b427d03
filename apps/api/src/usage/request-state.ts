import type { ErrorCode, UsageRecord } from '@gateway/contracts';
import type { CachedKey } from '../auth/key-cache.ts';

/**
 * What the gateway learns about one /v1 request as it goes; turned into exactly one usage record when
 * the response is finished (or the client goes away).
 */
export interface RequestState {
  requestId: string;
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
  costUsd: number | null;
  /** Milliseconds spent waiting on providers (the rest is gateway overhead). */
  providerMs: number;
  attempts: number;
  errorCode: ErrorCode | null;
  /** Set once the record has been handed to the recorder, so it is never written twice. */
  recorded: boolean;
}

export function newRequestState(requestId: string, endpoint: UsageRecord['endpoint']): RequestState {
  return {
    requestId,
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
    costUsd: null,
    providerMs: 0,
    attempts: 0,
    errorCode: null,
    recorded: false,
  };
}

export function overheadMs(state: RequestState, now = performance.now()): number {
  return Math.max(0, now - state.startedAt - state.providerMs);
}
