/**
 * Orders items by weighted random sampling without replacement: the first is picked with probability
 * weight / total, the next among the rest, and so on. The executor tries targets in this order, so the
 * later ones are the fallbacks. Zero-weight items come last, in their given order.
 */
export function weightedOrder<Item extends { weight?: number | undefined }>(items: readonly Item[], random: () => number = Math.random): Item[] {
  const remaining = items.filter((item) => (item.weight ?? 1) > 0);
  const zeroWeight = items.filter((item) => (item.weight ?? 1) <= 0);
  const ordered: Item[] = [];
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, item) => sum + (item.weight ?? 1), 0);
    let point = random() * total;
    let index = remaining.findIndex((item) => {
      point -= item.weight ?? 1;
      return point < 0;
    });
    if (index === -1) index = remaining.length - 1;
    ordered.push(...remaining.splice(index, 1));
  }
  return [...ordered, ...zeroWeight];
}
