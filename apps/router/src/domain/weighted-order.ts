import type { PlanTarget } from '@gateway/contracts';

/**
 * Orders targets by weighted random sampling without replacement: the first target is picked with
 * probability weight / total, the next among the rest, and so on. The executor tries them in this
 * order, so the later ones are the fallbacks. Zero-weight targets come last, in config order.
 */
export function weightedOrder(targets: readonly PlanTarget[], random: () => number = Math.random): PlanTarget[] {
  const remaining = targets.filter((target) => (target.weight ?? 1) > 0);
  const zeroWeight = targets.filter((target) => (target.weight ?? 1) <= 0);
  const ordered: PlanTarget[] = [];
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, target) => sum + (target.weight ?? 1), 0);
    let point = random() * total;
    let index = remaining.findIndex((target) => {
      point -= target.weight ?? 1;
      return point < 0;
    });
    if (index === -1) index = remaining.length - 1;
    ordered.push(...remaining.splice(index, 1));
  }
  return [...ordered, ...zeroWeight];
}
