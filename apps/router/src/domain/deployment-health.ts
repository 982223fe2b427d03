import type { DeploymentSnapshot } from '@gateway/deployment-state';

/** At most this share of a group's deployments is left out for outlier ejection at once (at least one). */
export const maxEjectedShare = 0.5;

/** A deployment never seen by the shared state: idle, unmeasured, healthy. */
export const unknownSnapshot: DeploymentSnapshot = {
  inFlight: 0,
  latencyEwmaMs: null,
  ttftEwmaMs: null,
  requestsThisMinute: 0,
  tokensThisMinute: 0,
  ejectedUntil: null,
  ejectionReason: null,
};

export function isEjected(snapshot: DeploymentSnapshot, now: number): boolean {
  return snapshot.ejectedUntil !== null && snapshot.ejectedUntil > now;
}

/**
 * Which of a group's deployments are left out. At most `maxEjectedShare` of the group's deployments
 * (at least one) are out at once, so a burst of errors that hits every deployment together (often the
 * caller's or the network's fault) does not empty the group. A rejected credential (401/403 upstream)
 * is always out and counts first against that share; outlier ejections (failures, error rate) fill the
 * rest of it. Over the cap, the outliers whose cooldown ends soonest — the ones ejected longest ago,
 * for equal cooldowns — are taken back first.
 */
export function leftOut(snapshots: readonly DeploymentSnapshot[], now: number): Set<number> {
  const out = new Set<number>();
  const outliers: number[] = [];
  snapshots.forEach((snapshot, index) => {
    if (!isEjected(snapshot, now)) return;
    if (snapshot.ejectionReason === 'credential') out.add(index);
    else outliers.push(index);
  });
  const cap = Math.max(1, Math.floor(snapshots.length * maxEjectedShare));
  // Latest cooldown end first: those stay out; the rest come back.
  outliers.sort((left, right) => (snapshots[right]!.ejectedUntil ?? 0) - (snapshots[left]!.ejectedUntil ?? 0));
  for (const index of outliers.slice(0, Math.max(0, cap - out.size))) out.add(index);
  return out;
}
