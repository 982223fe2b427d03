/** Exact order statistics of the recorded samples (no histogram buckets). */

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  let sum = 0;
  for (const value of list) sum += value;
  return {
    count: list.length,
    mean: list.length > 0 ? sum / list.length : Number.NaN,
    p50: percentile(list, 50),
    p90: percentile(list, 90),
    p99: percentile(list, 99),
    max: list.length > 0 ? (list[list.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

/** Rounds every number of a plain object tree to `digits` decimals, for JSON output. */
export function rounded<T>(value: T, digits = 3): T {
  const factor = 10 ** digits;
  const walk = (item: unknown): unknown => {
    if (typeof item === 'number') return Number.isFinite(item) ? Math.round(item * factor) / factor : null;
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, walk(entry)]));
    }
    return item;
  };
  return walk(value) as T;
}
