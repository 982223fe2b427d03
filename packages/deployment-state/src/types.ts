/**
 * The live state of each deployment (a provider and an upstream model), shared by every API replica
 * and the router through the key-value store (Redis; memory in embedded mode): what is in flight, how
 * fast it answers, how much of its rate limits is used, and whether it is healthy. API replicas write
 * it around every attempt; the router reads it to order targets (least-busy, latency, usage) and to
 * leave ejected deployments out.
 */

export interface Deployment {
  provider: string;
  model: string;
}

/** `provider/model`: how a deployment is named in keys, logs and metrics. */
export function deploymentId(deployment: Deployment): string {
  return `${deployment.provider}/${deployment.model}`;
}

export interface DeploymentSnapshot {
  /** Attempts started and not yet finished, across replicas. */
  inFlight: number;
  /** Exponentially weighted moving averages, null until the first success. */
  latencyEwmaMs: number | null;
  ttftEwmaMs: number | null;
  /** Requests and tokens in the current minute, for the `usage` strategy's headroom. */
  requestsThisMinute: number;
  tokensThisMinute: number;
  /** Epoch ms until which the deployment is ejected (outlier ejection or a rejected credential); null when healthy. */
  ejectedUntil: number | null;
  /** Why it is ejected, for logs and the router's reason. */
  ejectionReason: 'failures' | 'error-rate' | 'credential' | null;
}

export interface AttemptOutcome {
  ok: boolean;
  /** The upstream status, or the gateway's status for connection failures and timeouts. */
  status: number;
  latencyMs: number;
  /** Time to the first token of a stream. */
  ttftMs?: number;
  /** Tokens the attempt used (input + output), when known. */
  tokens?: number;
}

export interface DeploymentState {
  snapshot(deployments: readonly Deployment[]): Promise<Map<string, DeploymentSnapshot>>;
  attemptStarted(deployment: Deployment): Promise<void>;
  attemptFinished(deployment: Deployment, outcome: AttemptOutcome): Promise<void>;
}
