import type { Bus } from '@gateway/bus';
import { usageStream } from '@gateway/contracts';
import { touchKeysLastUsed, type Database } from '@gateway/db';
import type { Logger } from '@gateway/telemetry';
import type { Registry } from 'prom-client';
import { createKeyLastUsedWriter } from './key-last-used-writer.ts';
import { registerLedgerMetrics } from './ledger-metrics.ts';
import { startRetention, type RetentionSettings } from './retention.ts';
import { writeUsageBatch } from './usage-batch-writer.ts';

export interface LedgerOptions {
  bus: Bus;
  database: Database;
  logger: Logger;
  metrics?: { registry: Registry };
  /** Most records written per INSERT; default 100. */
  batchSize?: number;
  /** Longest wait to fill a batch; default 500 ms. */
  maxWaitMs?: number;
  /** How long a batch may take before JetStream delivers it again; default the bus's (30 s). */
  ackWaitMs?: number;
  /** Delay before a batch that failed to write is delivered again; default the bus's (1 s). */
  redeliveryDelayMs?: number;
  /** How long logged bodies and usage records are kept (see retention.ts); default: kept. */
  retention?: RetentionSettings;
}

export interface Ledger {
  /** Stops consuming after the batch in progress and its last-use update; does not close the bus or the database. */
  stop(): Promise<void>;
}

/** Durable consumer name: replicas share it, so each record is handled by one of them. */
export const ledgerDurableName = 'ledger';

/**
 * Writes usage records from the JetStream usage stream into Postgres, exactly once per request id.
 * A batch is acknowledged only after it is written; a write that fails throws, so JetStream delivers
 * the batch again, and records already written are then skipped by the insert (ON CONFLICT DO NOTHING).
 * Records are therefore never lost to a database outage and never counted twice.
 *
 * After each written batch it also moves `gateway_keys.last_used_at` forward to the latest use per key,
 * in the background: that update never delays, fails or redelivers a batch.
 */
export async function startLedger(options: LedgerOptions): Promise<Ledger> {
  const { bus, database, logger } = options;
  const metrics = options.metrics && registerLedgerMetrics(options.metrics.registry);
  const lastUsed = createKeyLastUsedWriter({
    touch: (latest) => touchKeysLastUsed(database.db, latest),
    logger,
    ...(metrics && { onFailure: () => metrics.lastUsedFailures.inc() }),
  });
  await bus.ensureStream(usageStream);
  const consumer = await bus.consumeDurable(
    usageStream,
    {
      durableName: ledgerDurableName,
      batchSize: options.batchSize ?? 100,
      maxWaitMs: options.maxWaitMs ?? 500,
      ...(options.ackWaitMs !== undefined && { ackWaitMs: options.ackWaitMs }),
      ...(options.redeliveryDelayMs !== undefined && { redeliveryDelayMs: options.redeliveryDelayMs }),
    },
    async (messages) => {
      const redelivered = messages.filter((message) => message.deliveryCount > 1).length;
      const records = messages.map((message) => message.data);
      try {
        const outcome = await writeUsageBatch(database.db, records, logger);
        metrics?.records.inc({ outcome: 'written' }, outcome.written);
        metrics?.records.inc({ outcome: 'duplicate' }, outcome.duplicates);
        metrics?.records.inc({ outcome: 'rejected' }, outcome.rejected);
        logger.info({ records: messages.length, ...outcome, redelivered }, 'usage batch written');
      } catch (error) {
        metrics?.failedBatches.inc();
        logger.error({ err: error, records: messages.length, redelivered }, 'usage batch not written; it will be delivered again');
        throw error;
      }
      // Only queued here: the update runs behind, and its failures are its own (see the writer).
      lastUsed.record(records);
    },
  );
  logger.info({ stream: usageStream.stream, durable: ledgerDurableName }, 'ledger consuming usage records');
  const retention = options.retention && startRetention({ database, logger, ...options.retention, ...(options.metrics && { metrics: options.metrics }) });
  return {
    stop: async () => {
      await retention?.stop();
      await consumer.stop();
      await lastUsed.drain();
    },
  };
}
