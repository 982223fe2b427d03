import { usageStream, type UsageRecord } from '@gateway/contracts';
import type { Bus } from '@gateway/bus';
import type { Logger } from '@gateway/telemetry';
import { insertUsageRecords, type Database } from '@gateway/db';

/**
 * Hands usage records to JetStream with the request id as `Nats-Msg-Id`, so the ledger writes each
 * once. Publishing never delays a response. If JetStream cannot take a record, it is written straight
 * to Postgres (the insert is idempotent on request id, so a record that also reached JetStream is still
 * stored once); only if both fail is it logged as lost, with its id.
 */
export class UsageRecorder {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly options: { bus: Bus; database: Database; logger: Logger; onLost?: () => void },
  ) {}

  record(record: UsageRecord): void {
    const task = this.deliver(record).finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  private async deliver(record: UsageRecord): Promise<void> {
    try {
      await this.options.bus.publishDurable(usageStream, record, { messageId: record.requestId, context: { requestId: record.requestId } });
      return;
    } catch (error) {
      this.options.logger.warn({ err: error, requestId: record.requestId }, 'usage publish to JetStream failed; writing to Postgres directly');
    }
    try {
      await insertUsageRecords(this.options.database.db, [record]);
    } catch (error) {
      this.options.onLost?.();
      this.options.logger.error({ err: error, requestId: record.requestId }, 'usage record lost: JetStream and Postgres both failed');
    }
  }

  /** Waits for records still being published (graceful shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
