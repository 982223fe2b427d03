import type { UsageRecord } from '@gateway/contracts';
import { insertUsageRecords, type Database } from '@gateway/db';
import type { Logger } from '@gateway/telemetry';

export interface BatchOutcome {
  written: number;
  duplicates: number;
  /** Records the database refuses whatever the retry (values out of range): logged in full, then dropped. */
  rejected: number;
}

/**
 * SQLSTATE classes 22 (data exception, e.g. a number out of range) and 23 (integrity constraint):
 * the record itself is wrong, so no redelivery can ever store it. Anything else (connection lost,
 * database down, missing table) is worth retrying.
 */
function isPermanentDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** A record with an unreadable `createdAt` is kept, stamped with the time the ledger saw it. */
function withReadableTime(record: UsageRecord, receivedAt: Date, logger: Logger): UsageRecord {
  if (!Number.isNaN(new Date(record.createdAt).getTime())) return record;
  logger.warn({ request_id: record.requestId, createdAt: record.createdAt }, 'usage record has an invalid createdAt; using the time it was received');
  return { ...record, createdAt: receivedAt.toISOString() };
}

/**
 * Writes a batch, each request id at most once (the insert skips ids already stored). Throws when the
 * database cannot take it, so the caller leaves the batch for redelivery. If the batch fails because of
 * bad data, the records are written one by one so that one bad record cannot block the others forever.
 */
export async function writeUsageBatch(db: Database['db'], batch: UsageRecord[], logger: Logger): Promise<BatchOutcome> {
  const receivedAt = new Date();
  const records = batch.map((record) => withReadableTime(record, receivedAt, logger));
  try {
    const written = await insertUsageRecords(db, records);
    return { written, duplicates: records.length - written, rejected: 0 };
  } catch (error) {
    if (!isPermanentDataError(error)) throw error;
  }
  const outcome: BatchOutcome = { written: 0, duplicates: 0, rejected: 0 };
  for (const record of records) {
    try {
      const written = await insertUsageRecords(db, [record]);
      outcome.written += written;
      outcome.duplicates += 1 - written;
    } catch (error) {
      if (!isPermanentDataError(error)) throw error;
      outcome.rejected += 1;
      // The record is logged so it can be recovered by hand; usage records hold no secrets, and the
      // logged prompt and completion (user content) stay out of the logs.
      const { bodies, ...counters } = record;
      logger.error({ err: error, request_id: record.requestId, record: counters, bodies_dropped: bodies !== undefined }, 'usage record rejected by the database; dropped');
    }
  }
  return outcome;
}
