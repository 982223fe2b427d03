import type { DeploymentHealth, RouterHealth } from '@gateway/contracts';
import { formatCount, formatTime } from '../format.ts';
import { formatDuration } from './routing-view.ts';

/** What the Routing page knows of the deployments' live state, as the router reads it. */
export type LiveState =
  | { kind: 'live'; at: number; deployments: ReadonlyMap<string, DeploymentHealth> }
  /** A router answered, but it runs without the shared deployment state. */
  | { kind: 'untracked' }
  /** A router answered with an error instead (it could not read the shared state). */
  | { kind: 'unavailable' }
  /** No router answered in time. */
  | { kind: 'unreachable' };

/** The router's answer (or its absence) as the page's state, deployments by `provider/model`. */
export function liveState(health: RouterHealth | 'unavailable' | 'unreachable'): LiveState {
  if (health === 'unavailable' || health === 'unreachable') return { kind: health };
  if (!health.tracked) return { kind: 'untracked' };
  return { kind: 'live', at: health.at, deployments: new Map(health.deployments.map((deployment) => [`${deployment.provider}/${deployment.model}`, deployment])) };
}

/** One deployment's live state in words, for a row of the Routing page. */
export interface HealthView {
  ejected: boolean;
  /** For an ejected deployment: until when and why it is left out of plans, and how long is left. */
  ejection?: string;
  inFlight: string;
  /** Latency EWMA with TTFT, or `unmeasured` before the first success. */
  latency: string;
  perMinute: string;
}

const reasons: Record<NonNullable<DeploymentHealth['ejectionReason']>, string> = {
  failures: 'consecutive failures',
  'error-rate': 'error rate',
  credential: 'credential rejected',
};

/**
 * A deployment's state as of `at` (when the router read it). A deployment the state has never seen is
 * idle, unmeasured and healthy, as the router plans with it.
 */
export function healthView(health: DeploymentHealth | undefined, at: number): HealthView {
  const ejected = health?.ejectedUntil != null && health.ejectedUntil > at;
  const latency = health?.latencyEwmaMs ?? null;
  const ttft = health?.ttftEwmaMs ?? null;
  return {
    ejected,
    ...(ejected && {
      ejection: `until ${formatTime(new Date(health!.ejectedUntil!))} (${health!.ejectionReason ? reasons[health!.ejectionReason] : 'unhealthy'}, ${formatDuration(Math.ceil((health!.ejectedUntil! - at) / 1000) * 1000)} left)`,
    }),
    inFlight: formatCount(health?.inFlight ?? 0),
    latency: latency === null ? 'unmeasured' : `${formatDuration(Math.round(latency))}${ttft === null ? '' : ` (TTFT ${formatDuration(Math.round(ttft))})`}`,
    perMinute: `${formatCount(health?.requestsThisMinute ?? 0)} req · ${formatCount(health?.tokensThisMinute ?? 0)} tokens`,
  };
}
