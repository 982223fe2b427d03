import type { Environment } from '@gateway/config';

export interface LimitSettings {
  reconcileIntervalMs: number;
  inFlightEpochMs: number;
}

/** The key-limit settings of the API's environment (GATEWAY_LIMITS_*, see packages/config). */
export function limitSettings(environment: Pick<Environment, 'GATEWAY_LIMITS_RECONCILE_SECONDS' | 'GATEWAY_LIMITS_INFLIGHT_EPOCH_SECONDS'>): LimitSettings {
  return {
    reconcileIntervalMs: environment.GATEWAY_LIMITS_RECONCILE_SECONDS * 1000,
    inFlightEpochMs: environment.GATEWAY_LIMITS_INFLIGHT_EPOCH_SECONDS * 1000,
  };
}
