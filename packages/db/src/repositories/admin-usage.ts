import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { AttemptLogEntry, CacheStatus, GuardrailVerdict } from '@gateway/contracts';
import type { Schema, UsageRecordRow } from '../schema.ts';

/**
 * Usage as the dashboard reads it: filtered lists for the request log and aggregates for the overview.
 * Filters are bound parameters; the time range is half-open [from, to).
 */
export interface AdminUsageFilters {
  from?: Date;
  to?: Date;
  keyId?: string;
  model?: string;
  provider?: string;
  /** `ok`: status below 400; `error`: 400 or above; a number: exactly that HTTP status. */
  status?: 'ok' | 'error' | number;
  /** The gateway's request id or the id the client sent. */
  requestId?: string;
  /** What the response cache did; `off`: caching was off for the request. */
  cacheStatus?: CacheStatus | 'off';
  /**
   * Guardrails: `deny`, `redact`, `flag`: the request's most severe check verdict (deny > redact >
   * flag), as the log shows it, so each request matches one of them; `pass`: checks ran and every one
   * passed; `none`: no policy applied.
   */
  guardrail?: GuardrailVerdict['verdict'] | 'none';
}

/** One request in the log (camelCase, every column the ledger writes). */
export interface AdminUsageEntry {
  requestId: string;
  clientRequestId: string | null;
  createdAt: Date;
  keyId: string | null;
  model: string | null;
  provider: string | null;
  providerModel: string | null;
  endpoint: string;
  stream: boolean;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  strategy: string | null;
  routingReason: string | null;
  flags: string[];
  /** What the response cache did; null when caching was off. */
  cacheStatus: CacheStatus | null;
  /** On a cache hit, what the original provider call cost. */
  costSavedUsd: number | null;
  /** Each guardrail check's verdict (never a value found); null when no policy applied. */
  guardrails: GuardrailVerdict[] | null;
  costUsd: number | null;
  latencyMs: number;
  overheadMs: number;
  status: number;
  errorCode: string | null;
  attempts: number;
  /** Each provider attempt in the order they ended; empty when none was made or logged (records before 0009). */
  attemptLog: AttemptLogEntry[];
  metadata: Record<string, unknown>;
}

function toEntry(row: UsageRecordRow): AdminUsageEntry {
  return {
    requestId: row.request_id,
    clientRequestId: row.client_request_id,
    createdAt: row.created_at,
    keyId: row.key_id,
    model: row.model,
    provider: row.provider,
    providerModel: row.provider_model,
    endpoint: row.endpoint,
    stream: row.stream,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedInputTokens: row.cached_input_tokens,
    reasoningTokens: row.reasoning_tokens,
    strategy: row.strategy,
    routingReason: row.routing_reason,
    flags: row.flags,
    cacheStatus: row.cache_status,
    costSavedUsd: row.cost_saved_usd === null ? null : Number(row.cost_saved_usd),
    guardrails: row.guardrails,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    latencyMs: row.latency_ms,
    overheadMs: row.overhead_ms,
    status: row.status,
    errorCode: row.error_code,
    attempts: row.attempts,
    attemptLog: row.attempt_log ?? [],
    metadata: row.metadata,
  };
}

/** Whether some check of the request had this verdict (jsonb containment: `[{"verdict": …}]`). */
const hadVerdict = (verdict: 'flag' | 'redact' | 'deny') => sql<boolean>`coalesce(guardrails @> ${JSON.stringify([{ verdict }])}::jsonb, false)`;

/** Whether this is the request's most severe check verdict (deny > redact > flag): each request has one. */
function worstVerdictIs(verdict: 'flag' | 'redact' | 'deny') {
  if (verdict === 'deny') return hadVerdict('deny');
  if (verdict === 'redact') return sql<boolean>`(${hadVerdict('redact')} and not ${hadVerdict('deny')})`;
  return sql<boolean>`(${hadVerdict('flag')} and not ${hadVerdict('redact')} and not ${hadVerdict('deny')})`;
}

function guardrailCondition(guardrail: NonNullable<AdminUsageFilters['guardrail']>) {
  if (guardrail === 'none') return sql<boolean>`guardrails is null`;
  if (guardrail === 'pass') return sql<boolean>`guardrails is not null and not (${hadVerdict('flag')} or ${hadVerdict('redact')} or ${hadVerdict('deny')})`;
  return worstVerdictIs(guardrail);
}

function matches(filters: AdminUsageFilters) {
  return (eb: ExpressionBuilder<Schema, 'usage_records'>) => {
    const status = filters.status;
    return eb.and([
      ...(filters.from !== undefined ? [eb('created_at', '>=', filters.from)] : []),
      ...(filters.to !== undefined ? [eb('created_at', '<', filters.to)] : []),
      ...(filters.keyId !== undefined ? [eb('key_id', '=', filters.keyId)] : []),
      ...(filters.model !== undefined ? [eb('model', '=', filters.model)] : []),
      ...(filters.provider !== undefined ? [eb('provider', '=', filters.provider)] : []),
      ...(status === 'ok' ? [eb('status', '<', 400)] : status === 'error' ? [eb('status', '>=', 400)] : typeof status === 'number' ? [eb('status', '=', status)] : []),
      ...(filters.requestId !== undefined
        ? [eb.or([eb('request_id', '=', filters.requestId), eb('client_request_id', '=', filters.requestId)])]
        : []),
      ...(filters.cacheStatus === 'off' ? [eb('cache_status', 'is', null)] : filters.cacheStatus !== undefined ? [eb('cache_status', '=', filters.cacheStatus)] : []),
      ...(filters.guardrail === undefined ? [] : [guardrailCondition(filters.guardrail)]),
    ]);
  };
}

export interface AdminUsagePage {
  entries: AdminUsageEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

function encodeCursor(entry: AdminUsageEntry): string {
  return Buffer.from(JSON.stringify([entry.createdAt.toISOString(), entry.requestId])).toString('base64url');
}

/** The (createdAt, requestId) a cursor names, or undefined when it is not one this module made. */
export function decodeAdminUsageCursor(cursor: string): { createdAt: Date; requestId: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const createdAt = new Date(value[0]);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, requestId: value[1] };
    }
  } catch {
    // Not base64url JSON: not a cursor.
  }
  return undefined;
}

/**
 * The request log, newest first, by keyset pages on (created_at, request_id): pages neither repeat nor
 * skip rows while new ones arrive. A malformed cursor is a RangeError.
 */
export async function listAdminUsage(
  db: Kysely<Schema>,
  filters: AdminUsageFilters,
  page: { limit: number; cursor?: string },
): Promise<AdminUsagePage> {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > 500) throw new RangeError('limit must be an integer from 1 to 500');
  let query = db.selectFrom('usage_records').selectAll().where(matches(filters));
  if (page.cursor !== undefined) {
    const position = decodeAdminUsageCursor(page.cursor);
    if (!position) throw new RangeError('invalid cursor');
    query = query.where((eb) => eb(eb.refTuple('created_at', 'request_id'), '<', eb.tuple(position.createdAt, position.requestId)));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('request_id', 'desc').limit(page.limit + 1).execute();
  const entries = rows.slice(0, page.limit).map(toEntry);
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
}

/** One request by the gateway's id (or, failing that, the newest with this client id). */
export async function getAdminUsageEntry(db: Kysely<Schema>, requestId: string): Promise<AdminUsageEntry | undefined> {
  const row =
    (await db.selectFrom('usage_records').selectAll().where('request_id', '=', requestId).executeTakeFirst()) ??
    (await db.selectFrom('usage_records').selectAll().where('client_request_id', '=', requestId).orderBy('created_at', 'desc').limit(1).executeTakeFirst());
  return row && toEntry(row);
}

/** Aggregates over a set of requests. Latency percentiles are null when there is no request. */
export interface UsageAggregate {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  /** Requests answered from the response cache (exact or semantic hit). */
  cacheHits: number;
  /** Requests that looked the cache up: hits and misses (refresh and bypass do not look up). */
  cacheLookups: number;
  /** What the cache hits saved, at the original calls' cost. */
  costSavedUsd: number;
  /** Requests some guardrail policy checked. */
  guardrailChecked: number;
  /**
   * Of those, requests by their most severe check verdict (deny > redact > flag): each counts once, so
   * denied + redacted + flagged + those where every check passed = checked.
   */
  guardrailFlagged: number;
  guardrailRedacted: number;
  guardrailDenied: number;
}

const aggregateColumns = [
  sql<string | number>`count(*)`.as('requests'),
  sql<string | number>`count(*) filter (where status >= 400)`.as('errors'),
  sql<string | number>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
  sql<string | number>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
  sql<string | number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
  sql<number | null>`percentile_cont(0.5) within group (order by latency_ms)`.as('p50'),
  sql<number | null>`percentile_cont(0.95) within group (order by latency_ms)`.as('p95'),
  sql<string | number>`count(*) filter (where cache_status in ('hit', 'semantic_hit'))`.as('cache_hits'),
  sql<string | number>`count(*) filter (where cache_status in ('hit', 'semantic_hit', 'miss'))`.as('cache_lookups'),
  sql<string | number>`coalesce(sum(cost_saved_usd), 0)`.as('cost_saved_usd'),
  sql<string | number>`count(*) filter (where guardrails is not null)`.as('guardrail_checked'),
  sql<string | number>`count(*) filter (where ${worstVerdictIs('flag')})`.as('guardrail_flagged'),
  sql<string | number>`count(*) filter (where ${worstVerdictIs('redact')})`.as('guardrail_redacted'),
  sql<string | number>`count(*) filter (where ${worstVerdictIs('deny')})`.as('guardrail_denied'),
] as const;

interface AggregateRow {
  requests: string | number;
  errors: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cost_usd: string | number;
  p50: number | string | null;
  p95: number | string | null;
  cache_hits: string | number;
  cache_lookups: string | number;
  cost_saved_usd: string | number;
  guardrail_checked: string | number;
  guardrail_flagged: string | number;
  guardrail_redacted: string | number;
  guardrail_denied: string | number;
}

function toAggregate(row: AggregateRow): UsageAggregate {
  return {
    requests: Number(row.requests),
    errors: Number(row.errors),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd),
    p50LatencyMs: row.p50 === null ? null : Number(row.p50),
    p95LatencyMs: row.p95 === null ? null : Number(row.p95),
    cacheHits: Number(row.cache_hits),
    cacheLookups: Number(row.cache_lookups),
    costSavedUsd: Number(row.cost_saved_usd),
    guardrailChecked: Number(row.guardrail_checked),
    guardrailFlagged: Number(row.guardrail_flagged),
    guardrailRedacted: Number(row.guardrail_redacted),
    guardrailDenied: Number(row.guardrail_denied),
  };
}

/** Totals over the matching requests. */
export async function aggregateAdminUsage(db: Kysely<Schema>, filters: AdminUsageFilters): Promise<UsageAggregate> {
  const row = await db.selectFrom('usage_records').where(matches(filters)).select(aggregateColumns).executeTakeFirstOrThrow();
  return toAggregate(row);
}

/**
 * The matching requests per time bucket of `bucketSeconds`, aligned on the Unix epoch (UTC), oldest
 * first. Buckets without requests are absent (the caller fills the gaps it wants to draw).
 */
export async function aggregateAdminUsageByTime(
  db: Kysely<Schema>,
  filters: AdminUsageFilters,
  bucketSeconds: number,
): Promise<Array<UsageAggregate & { start: Date }>> {
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1) throw new RangeError('bucketSeconds must be a positive integer');
  const bucket = sql<Date>`to_timestamp(floor(extract(epoch from created_at) / ${bucketSeconds}::integer) * ${bucketSeconds}::integer)`;
  const rows = await db
    .selectFrom('usage_records')
    .where(matches(filters))
    .select([bucket.as('bucket'), ...aggregateColumns])
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  return rows.map((row) => ({ start: new Date(row.bucket), ...toAggregate(row) }));
}

export type UsageDimension = 'model' | 'provider' | 'key_id';

/** The matching requests grouped by model, provider or key, busiest first, at most `limit` groups. */
export async function aggregateAdminUsageBy(
  db: Kysely<Schema>,
  filters: AdminUsageFilters,
  dimension: UsageDimension,
  limit = 10,
): Promise<Array<UsageAggregate & { value: string | null }>> {
  const rows = await db
    .selectFrom('usage_records')
    .where(matches(filters))
    .select([sql<string | null>`${sql.ref(dimension)}`.as('value'), ...aggregateColumns])
    .groupBy(dimension)
    .orderBy(sql`count(*)`, 'desc')
    .orderBy(dimension)
    .limit(limit)
    .execute();
  return rows.map((row) => ({ value: row.value, ...toAggregate(row) }));
}

/** The models, providers and keys seen in [from, to), for filter pickers (at most 200 of each). */
export async function adminUsageFacets(
  db: Kysely<Schema>,
  range: { from?: Date; to?: Date },
): Promise<{ models: string[]; providers: string[]; keyIds: string[] }> {
  const distinct = async (column: UsageDimension) => {
    const rows = await db
      .selectFrom('usage_records')
      .where(matches(range))
      .where(column, 'is not', null)
      .select(sql<string>`${sql.ref(column)}`.as('value'))
      .distinct()
      .orderBy('value')
      .limit(200)
      .execute();
    return rows.map((row) => row.value);
  };
  const [models, providers, keyIds] = await Promise.all([distinct('model'), distinct('provider'), distinct('key_id')]);
  return { models, providers, keyIds };
}
