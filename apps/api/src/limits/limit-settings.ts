import { z } from 'zod';

/**
 * Settings of key limits, from the environment. They belong in @gateway/config's environment schema;
 * until they are there, this module reads them itself, with the same names and defaults.
 */
const limitSettingsSchema = z.object({
  /** How often budget counters are reconciled from the usage records (also once at start); 0 turns it off. */
  GATEWAY_LIMITS_RECONCILE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** One in-flight epoch: a slot that is never released (replica died) is forgotten 1 to 2 epochs later. */
  GATEWAY_LIMITS_INFLIGHT_EPOCH_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
});

export interface LimitSettings {
  reconcileIntervalMs: number;
  inFlightEpochMs: number;
}

export function limitSettings(environment: Record<string, string | undefined> = process.env): LimitSettings {
  const parsed = limitSettingsSchema.parse({
    GATEWAY_LIMITS_RECONCILE_SECONDS: environment.GATEWAY_LIMITS_RECONCILE_SECONDS || undefined,
    GATEWAY_LIMITS_INFLIGHT_EPOCH_SECONDS: environment.GATEWAY_LIMITS_INFLIGHT_EPOCH_SECONDS || undefined,
  });
  return {
    reconcileIntervalMs: parsed.GATEWAY_LIMITS_RECONCILE_SECONDS * 1000,
    inFlightEpochMs: parsed.GATEWAY_LIMITS_INFLIGHT_EPOCH_SECONDS * 1000,
  };
}
