import type { UsageRecord } from '@gateway/contracts';
import type { Logger } from '@gateway/telemetry';

/**
 * The latest use of each key among the records. A record without a key or with an unreadable time
 * is skipped; a time later than `now` counts as `now`, so a gateway with a clock running ahead cannot
 * pin a key's last use in the future.
 */
export function latestUseByKey(records: readonly UsageRecord[], now: Date): Map<string, Date> {
  const latest = new Map<string, Date>();
  for (const record of records) {
    if (record.keyId === null) continue;
    const time = Date.parse(record.createdAt);
    if (Number.isNaN(time)) continue;
    const at = new Date(Math.min(time, now.getTime()));
    const known = latest.get(record.keyId);
    if (known === undefined || known < at) latest.set(record.keyId, at);
  }
  return latest;
}

export interface KeyLastUsedWriter {
  /** Notes the latest use per key in a written batch and returns at once; the update runs behind. */
  record(records: readonly UsageRecord[]): void;
  /** Resolves once no update is running or waiting (for a graceful stop). */
  drain(): Promise<void>;
}

export interface KeyLastUsedWriterOptions {
  /** Moves each key's `last_used_at` forward to the given time (`touchKeysLastUsed`). */
  touch: (lastUsed: ReadonlyMap<string, Date>) => Promise<void>;
  logger: Logger;
  /** Called once per failed update, for a metric. */
  onFailure?: () => void;
}

/**
 * Keeps `gateway_keys.last_used_at` current from the usage the ledger writes, without ever holding
 * up usage: at most one update runs at a time (one pooled connection at most), batches that arrive
 * meanwhile are merged into the next one, and a failed update is logged and dropped rather than
 * retried, since the next batch of an active key carries a newer time anyway.
 */
export function createKeyLastUsedWriter(options: KeyLastUsedWriterOptions): KeyLastUsedWriter {
  const { touch, logger } = options;
  let waiting = new Map<string, Date>();
  let running: Promise<void> | undefined;

  const start = (): void => {
    if (running !== undefined || waiting.size === 0) return;
    const lastUsed = waiting;
    waiting = new Map();
    // Called inside `then` so that even a synchronous throw ends up in `catch`, never in the caller.
    running = Promise.resolve()
      .then(() => touch(lastUsed))
      .catch((error: unknown) => {
        options.onFailure?.();
        logger.warn({ err: error, keys: lastUsed.size }, 'gateway_keys.last_used_at not updated (the usage itself was written)');
      })
      .finally(() => {
        running = undefined;
        start();
      });
  };

  return {
    record(records) {
      for (const [keyId, at] of latestUseByKey(records, new Date())) {
        const known = waiting.get(keyId);
        if (known === undefined || known < at) waiting.set(keyId, at);
      }
      start();
    },
    async drain() {
      while (running !== undefined) await running;
    },
  };
}
