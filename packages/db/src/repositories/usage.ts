import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { GatewayError, type ErrorCode, type UsageRecord } from '@gateway/contracts';
import type { Schema, UsageRecordRow } from '../schema.ts';
import { insertUsageBodies } from './usage-bodies.ts';
import { usageCreatedAt } from './usage-created-at.ts';

export interface UsageFilters {
  /**
   * A request id as either side saw it: matches the gateway's own `requestId` or the `clientRequestId`
   * the client sent, so an operator can look up the id a client reports.
   */
  requestId?: string;
  keyId?: string;
  model?: string;
  /** Inclusive lower bound on `createdAt`. */
  from?: Date;
  /** Exclusive upper bound on `createdAt`. */
  to?: Date;
}

export interface ListUsageOptions extends UsageFilters {
  /** Page size, 1 to 1000. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface UsagePage {
  records: UsageRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface UsageSummary {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Requests that ended with an HTTP status of 400 or more. */
  errors: number;
}

/** Rows per INSERT: at under 30 parameters a row this stays far below Postgres's 65535 bound parameters. */
const insertChunkSize = 500;

export { usageCreatedAt } from './usage-created-at.ts';

/**
 * Writes usage records, each request id at most once: a record whose id is already stored is skipped
 * (ON CONFLICT DO NOTHING), so replays and redeliveries are harmless. Returns how many rows were new.
 * The logged prompts and completions some records carry go to usage_bodies, after their usage rows
 * and just as idempotently (see insertUsageBodies).
 */
export async function insertUsageRecords(db: Kysely<Schema>, records: readonly UsageRecord[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < records.length; start += insertChunkSize) {
    const rows = records.slice(start, start + insertChunkSize).map((record) => ({
      request_id: record.requestId,
      client_request_id: record.clientRequestId ?? null,
      created_at: usageCreatedAt(record),
      key_id: record.keyId,
      model: record.model,
      provider: record.provider,
      provider_model: record.providerModel,
      endpoint: record.endpoint,
      stream: record.stream,
      input_tokens: record.inputTokens,
      output_tokens: record.outputTokens,
      cached_input_tokens: record.cachedInputTokens ?? 0,
      reasoning_tokens: record.reasoningTokens ?? 0,
      strategy: record.strategy ?? null,
      routing_reason: record.routingReason ?? null,
      flags: JSON.stringify(record.flags ?? []),
      cost_usd: record.costUsd,
      cache_status: record.cacheStatus ?? null,
      cost_saved_usd: record.costSavedUsd ?? null,
      guardrails: record.guardrails == null || record.guardrails.length === 0 ? null : JSON.stringify(record.guardrails),
      latency_ms: record.latencyMs,
      overhead_ms: record.overheadMs,
      status: record.status,
      error_code: record.errorCode,
      attempts: record.attempts,
      attempt_log: record.attemptLog === undefined || record.attemptLog.length === 0 ? null : JSON.stringify(record.attemptLog),
      metadata: JSON.stringify(record.metadata ?? {}),
    }));
    const written = await db
      .insertInto('usage_records')
      .values(rows)
      .onConflict((conflict) => conflict.column('request_id').doNothing())
      .returning('request_id')
      .execute();
    inserted += written.length;
  }
  await insertUsageBodies(db, records);
  return inserted;
}

function applyFilters(filters: UsageFilters) {
  return (eb: ExpressionBuilder<Schema, 'usage_records'>) =>
    eb.and([
      ...(filters.requestId !== undefined
        ? [eb.or([eb('request_id', '=', filters.requestId), eb('client_request_id', '=', filters.requestId)])]
        : []),
      ...(filters.keyId !== undefined ? [eb('key_id', '=', filters.keyId)] : []),
      ...(filters.model !== undefined ? [eb('model', '=', filters.model)] : []),
      ...(filters.from !== undefined ? [eb('created_at', '>=', filters.from)] : []),
      ...(filters.to !== undefined ? [eb('created_at', '<', filters.to)] : []),
    ]);
}

function toUsageRecord(row: UsageRecordRow): UsageRecord {
  return {
    requestId: row.request_id,
    clientRequestId: row.client_request_id,
    createdAt: row.created_at.toISOString(),
    keyId: row.key_id,
    model: row.model,
    provider: row.provider,
    providerModel: row.provider_model,
    endpoint: row.endpoint as UsageRecord['endpoint'],
    stream: row.stream,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedInputTokens: row.cached_input_tokens,
    reasoningTokens: row.reasoning_tokens,
    strategy: row.strategy,
    routingReason: row.routing_reason,
    flags: row.flags,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    cacheStatus: row.cache_status,
    costSavedUsd: row.cost_saved_usd === null ? null : Number(row.cost_saved_usd),
    guardrails: row.guardrails,
    latencyMs: row.latency_ms,
    overheadMs: row.overhead_ms,
    status: row.status,
    errorCode: row.error_code as ErrorCode | null,
    attempts: row.attempts,
    ...(row.attempt_log ? { attemptLog: row.attempt_log } : {}),
    metadata: row.metadata,
  };
}

interface Cursor {
  createdAt: Date;
  requestId: string;
}

function encodeCursor(record: UsageRecord): string {
  return Buffer.from(JSON.stringify([record.createdAt, record.requestId])).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const createdAt = new Date(value[0]);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, requestId: value[1] };
    }
  } catch {
    // Reported below with the same message as any other malformed cursor.
  }
  // The cursor comes from the caller (`?cursor=`): a bad one is their request's fault, a 400.
  throw new GatewayError('invalid_request', 'Invalid cursor: pass next_cursor from the previous page', { param: 'cursor' });
}

/**
 * Usage records newest first, a page at a time. The cursor is the (createdAt, requestId) of the last
 * record shown, so pages neither repeat nor skip rows while new ones arrive. (Stored times have
 * millisecond precision, as JavaScript dates do, so the cursor round-trips exactly.)
 */
export async function listUsage(db: Kysely<Schema>, options: ListUsageOptions): Promise<UsagePage> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 1000) {
    throw new RangeError('limit must be an integer from 1 to 1000');
  }
  let query = db.selectFrom('usage_records').selectAll().where(applyFilters(options));
  if (options.cursor !== undefined) {
    const { createdAt, requestId } = decodeCursor(options.cursor);
    query = query.where((eb) => eb(eb.refTuple('created_at', 'request_id'), '<', eb.tuple(createdAt, requestId)));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('request_id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const records = rows.slice(0, options.limit).map(toUsageRecord);
  const last = records.at(-1);
  return { records, nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null };
}

/** Totals over the records matching the filters. */
export async function summarizeUsage(db: Kysely<Schema>, filters: UsageFilters = {}): Promise<UsageSummary> {
  const row = await db
    .selectFrom('usage_records')
    .where(applyFilters(filters))
    .select([
      sql<string | number>`count(*)`.as('requests'),
      sql<string | number>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
      sql<string | number>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
      sql<string | number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
      sql<string | number>`count(*) filter (where status >= 400)`.as('errors'),
    ])
    .executeTakeFirstOrThrow();
  return {
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd),
    errors: Number(row.errors),
  };
}
