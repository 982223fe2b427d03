import type { KeyValueStore } from '@gateway/kv';
import { attemptVerdict, defaultEjectionSettings, inFlightSlotMs, type DeploymentStateOptions } from './health-settings.ts';
import { attemptFinishedScript, attemptStartedScript, snapshotScript, type StoredDeployment } from './state-scripts.ts';
import { deploymentId, type AttemptOutcome, type Deployment, type DeploymentSnapshot, type DeploymentState } from './types.ts';

/**
 * The deployment state over a key-value store (Redis across replicas, memory in embedded mode). Every
 * write is one atomic script on the deployment's one key (see state-scripts.ts); a snapshot of any
 * number of deployments is one script, one round trip.
 *
 * Each replica remembers, per deployment, the in-flight slots its own attempts started in (first in,
 * first out: which of two concurrent attempts gives its mark back does not matter to the count), so a
 * finish takes back exactly one mark of this replica.
 */
export function createDeploymentState(store: KeyValueStore, options: DeploymentStateOptions = {}): DeploymentState {
  const keyPrefix = options.keyPrefix ?? 'deployment-state:';
  const alpha = options.ewmaAlpha ?? 0.3;
  const slots = Math.max(1, Math.ceil((options.inFlightTtlMs ?? 600_000) / inFlightSlotMs));
  const keepMs = options.keepMs ?? 3_600_000;
  const ejection = { ...defaultEjectionSettings, ...options.ejection };
  const clock = options.clock;
  const time = () => (clock ? clock() : -1);
  const keyOf = (deployment: Deployment) => `${keyPrefix}${deploymentId(deployment)}`;
  const startedSlots = new Map<string, Array<Promise<number | null>>>();

  function toSnapshot(state: StoredDeployment | null, now: number): DeploymentSnapshot {
    const currentSlot = Math.floor(now / inFlightSlotMs);
    let inFlight = 0;
    for (const [slot, count] of Object.entries(state?.inFlight ?? {})) {
      if (Number(slot) > currentSlot - slots) inFlight += count;
    }
    const thisMinute = state?.minute === Math.floor(now / 60_000);
    const ejected = state?.ejectedUntil !== undefined && state.ejectedUntil > now;
    return {
      inFlight,
      latencyEwmaMs: state?.latencyEwmaMs ?? null,
      ttftEwmaMs: state?.ttftEwmaMs ?? null,
      requestsThisMinute: thisMinute ? (state?.requests ?? 0) : 0,
      tokensThisMinute: thisMinute ? (state?.tokens ?? 0) : 0,
      ejectedUntil: ejected ? state.ejectedUntil! : null,
      ejectionReason: ejected ? (state.ejectionReason ?? null) : null,
    };
  }

  return {
    async snapshot(deployments) {
      const result = new Map<string, DeploymentSnapshot>();
      if (deployments.length === 0) return result;
      const { now, states } = await store.run(snapshotScript, deployments.map(keyOf), [time()]);
      deployments.forEach((deployment, index) => result.set(deploymentId(deployment), toSnapshot(states[index] ?? null, now)));
      return result;
    },

    async attemptStarted(deployment) {
      const id = deploymentId(deployment);
      const started = store.run(attemptStartedScript, [keyOf(deployment)], [time(), inFlightSlotMs, slots, keepMs]);
      const queue = startedSlots.get(id) ?? [];
      // A failed write leaves no mark to take back.
      queue.push(started.catch(() => null));
      startedSlots.set(id, queue);
      await started;
    },

    async attemptFinished(deployment, outcome: AttemptOutcome) {
      const id = deploymentId(deployment);
      const queue = startedSlots.get(id);
      const started = queue?.shift();
      if (queue?.length === 0) startedSlots.delete(id);
      const slot = started === undefined ? null : await started;
      const { ejected } = await store.run(
        attemptFinishedScript,
        [keyOf(deployment)],
        [
          time(),
          slot === null ? '' : String(slot),
          attemptVerdict(outcome),
          outcome.ok ? '1' : '0',
          Math.max(0, outcome.latencyMs),
          outcome.ttftMs === undefined ? -1 : Math.max(0, outcome.ttftMs),
          outcome.tokens ?? 0,
          alpha,
          ejection.consecutiveFailures,
          ejection.errorRate,
          ejection.minRequests,
          ejection.windowMs,
          ejection.baseCooldownMs,
          ejection.maxCooldownMs,
          ejection.resetAfterMs,
          ejection.credentialCooldownMs,
          keepMs,
        ],
      );
      if (ejected) options.onEjected?.({ deployment: id, ...ejected });
    },
  };
}
