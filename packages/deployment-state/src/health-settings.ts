import type { AttemptOutcome } from './types.ts';

/** When a deployment is taken out of rotation, and for how long. */
export interface EjectionSettings {
  /** This many failures in a row eject (default 5). */
  consecutiveFailures: number;
  /** Or this share of failures (default 0.5)… */
  errorRate: number;
  /** …among at least this many requests (default 20)… */
  minRequests: number;
  /** …within this sliding window (default 60 s). */
  windowMs: number;
  /** The first ejection lasts this long (default 30 s); each consecutive one doubles it… */
  baseCooldownMs: number;
  /** …up to this (default 5 min). */
  maxCooldownMs: number;
  /** Ejections count as consecutive until the deployment stayed in rotation this long (default 5 min). */
  resetAfterMs: number;
  /** A credential refused with 401 is left out this long, then tried again (default 10 min). */
  credentialCooldownMs: number;
}

export interface DeploymentStateOptions {
  /** Prefix of the one key per deployment (default `deployment-state:`); the store adds its own prefix. */
  keyPrefix?: string;
  /** Weight of the newest sample in the latency and TTFT averages (default 0.3). */
  ewmaAlpha?: number;
  /**
   * In-flight marks of a replica that died without finishing its attempts disappear after this long
   * (default 10 min): attempts are counted in one-minute slots and slots older than this are dropped.
   */
  inFlightTtlMs?: number;
  /** How long the state of a deployment nobody calls is kept (default 1 h). */
  keepMs?: number;
  ejection?: Partial<EjectionSettings>;
  /**
   * The time the scripts use, in epoch ms. Default: the store's clock (Redis `TIME`), so replicas with
   * skewed clocks agree. Tests pass a fake clock.
   */
  clock?: () => number;
  /** Called when an attempt's outcome ejected its deployment (for logs and metrics). */
  onEjected?: (event: { deployment: string; until: number; reason: 'failures' | 'error-rate' | 'credential' }) => void;
}

export const defaultEjectionSettings: EjectionSettings = {
  consecutiveFailures: 5,
  errorRate: 0.5,
  minRequests: 20,
  windowMs: 60_000,
  baseCooldownMs: 30_000,
  maxCooldownMs: 300_000,
  resetAfterMs: 300_000,
  credentialCooldownMs: 600_000,
};

/** One-minute slots for in-flight marks. */
export const inFlightSlotMs = 60_000;

/**
 * What an attempt says about its deployment's health. Only 5xx, 429, 408 and the gateway's own
 * timeouts and connection failures (504, 503, 502) are failures; another 4xx is the request's fault and
 * proves the deployment answers. 401 indicts the credential. 403 counts as a failure: it may be about
 * the request (a model, feature or region the account may not use) as well as a bad credential (Bedrock
 * answers a bad signature with 403), so it ejects only when it repeats. 499 (the client left, or a hedge
 * lost) says nothing.
 */
export type AttemptVerdict = 'success' | 'failure' | 'credential' | 'none';

export function attemptVerdict(outcome: AttemptOutcome): AttemptVerdict {
  if (outcome.ok) return 'success';
  const { status } = outcome;
  if (status === 401) return 'credential';
  if (status === 499) return 'none';
  if (status === 403 || status === 408 || status === 429 || status >= 500) return 'failure';
  return 'success';
}
