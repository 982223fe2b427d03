import type { Kysely } from 'kysely';
import {
  aggregateAdminUsage,
  aggregateAdminUsageBy,
  aggregateAdminUsageByTime,
  type AdminUsageFilters,
  type Schema,
  type UsageAggregate,
} from '@gateway/db';

/** Bucket widths the charts use, smallest first. */
const bucketChoices = [60, 300, 900, 3_600, 6 * 3_600, 86_400] as const;
/** Most points a chart draws. */
const maxBuckets = 120;

/** The narrowest bucket (in seconds) that keeps [from, to) within `maxBuckets` points. */
export function bucketSecondsFor(from: Date, to: Date): number {
  const spanSeconds = Math.max(1, (to.getTime() - from.getTime()) / 1000);
  return bucketChoices.find((seconds) => spanSeconds / seconds <= maxBuckets) ?? 86_400 * Math.ceil(spanSeconds / 86_400 / maxBuckets);
}

/** One chart point: a bucket's aggregate, with the error rate worked out. */
export interface OverviewPoint {
  /** Bucket start, epoch milliseconds (UTC). */
  time: number;
  requests: number;
  errors: number;
  /** errors / requests; null for an empty bucket. */
  errorRate: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  cacheHits: number;
  cacheLookups: number;
  /** cacheHits / cacheLookups; null when nothing looked the cache up. */
  cacheHitRatio: number | null;
  costSavedUsd: number;
  guardrailChecked: number;
  guardrailFlagged: number;
  guardrailRedacted: number;
  guardrailDenied: number;
}

function toPoint(time: number, aggregate: UsageAggregate | undefined): OverviewPoint {
  const requests = aggregate?.requests ?? 0;
  const errors = aggregate?.errors ?? 0;
  return {
    time,
    requests,
    errors,
    errorRate: requests === 0 ? null : errors / requests,
    p50LatencyMs: aggregate?.p50LatencyMs ?? null,
    p95LatencyMs: aggregate?.p95LatencyMs ?? null,
    inputTokens: aggregate?.inputTokens ?? 0,
    outputTokens: aggregate?.outputTokens ?? 0,
    costUsd: aggregate?.costUsd ?? 0,
    cacheHits: aggregate?.cacheHits ?? 0,
    cacheLookups: aggregate?.cacheLookups ?? 0,
    cacheHitRatio: aggregate && aggregate.cacheLookups > 0 ? aggregate.cacheHits / aggregate.cacheLookups : null,
    costSavedUsd: aggregate?.costSavedUsd ?? 0,
    guardrailChecked: aggregate?.guardrailChecked ?? 0,
    guardrailFlagged: aggregate?.guardrailFlagged ?? 0,
    guardrailRedacted: aggregate?.guardrailRedacted ?? 0,
    guardrailDenied: aggregate?.guardrailDenied ?? 0,
  };
}

/**
 * Every bucket from the one holding `from` up to `to`, those without requests as zeros (latency null),
 * so a chart's time axis is even and quiet periods show as quiet.
 */
export function fillBuckets(
  buckets: ReadonlyArray<UsageAggregate & { start: Date }>,
  from: Date,
  to: Date,
  bucketSeconds: number,
): OverviewPoint[] {
  const width = bucketSeconds * 1000;
  const byStart = new Map(buckets.map((bucket) => [bucket.start.getTime(), bucket]));
  const points: OverviewPoint[] = [];
  for (let time = Math.floor(from.getTime() / width) * width; time < to.getTime(); time += width) {
    points.push(toPoint(time, byStart.get(time)));
  }
  return points;
}

export interface OverviewTotals extends UsageAggregate {
  errorRate: number | null;
  cacheHitRatio: number | null;
}

export interface OverviewBreakdownRow extends OverviewTotals {
  value: string | null;
}

export interface Overview {
  from: Date;
  to: Date;
  bucketSeconds: number;
  totals: OverviewTotals;
  series: OverviewPoint[];
  byModel: OverviewBreakdownRow[];
  byProvider: OverviewBreakdownRow[];
  byKey: OverviewBreakdownRow[];
}

function withRatios<T extends UsageAggregate>(aggregate: T): T & { errorRate: number | null; cacheHitRatio: number | null } {
  return {
    ...aggregate,
    errorRate: aggregate.requests === 0 ? null : aggregate.errors / aggregate.requests,
    cacheHitRatio: aggregate.cacheLookups === 0 ? null : aggregate.cacheHits / aggregate.cacheLookups,
  };
}

/** Everything the overview page draws, for the filters and the window [from, to). */
export async function loadOverview(
  db: Kysely<Schema>,
  filters: AdminUsageFilters & { from: Date; to: Date },
): Promise<Overview> {
  const bucketSeconds = bucketSecondsFor(filters.from, filters.to);
  const [totals, buckets, byModel, byProvider, byKey] = await Promise.all([
    aggregateAdminUsage(db, filters),
    aggregateAdminUsageByTime(db, filters, bucketSeconds),
    aggregateAdminUsageBy(db, filters, 'model'),
    aggregateAdminUsageBy(db, filters, 'provider'),
    aggregateAdminUsageBy(db, filters, 'key_id'),
  ]);
  return {
    from: filters.from,
    to: filters.to,
    bucketSeconds,
    totals: withRatios(totals),
    series: fillBuckets(buckets, filters.from, filters.to, bucketSeconds),
    byModel: byModel.map(withRatios),
    byProvider: byProvider.map(withRatios),
    byKey: byKey.map(withRatios),
  };
}
