import { Counter, type Registry } from 'prom-client';
import { deleteOlderThan, type Database, type RetainedTable } from '@gateway/db';
import type { Logger } from '@gateway/telemetry';

export interface RetentionSettings {
  /** Days logged prompts and completions are kept; 0 keeps them. */
  bodyDays: number;
  /** Days usage records are kept; 0 keeps them. Their bodies never outlive them. */
  usageDays: number;
}

export interface RetentionOptions extends RetentionSettings {
  database: Database;
  logger: Logger;
  metrics?: { registry: Registry };
  /** Time between two runs; default one hour. The first run starts at once, in the background. */
  intervalMs?: number;
  /** Injected for tests. */
  now?: () => Date;
}

export interface Retention {
  /** Deletes what is past its retention now; resolves with how many rows of each table went. */
  runOnce(): Promise<Record<RetainedTable, number>>;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The cut-off of each table: bodies go at the earlier of their own retention and their usage
 * record's, records at theirs; a table with no retention (0) has none.
 */
export function retentionCutoffs(settings: RetentionSettings, now: Date): Partial<Record<RetainedTable, Date>> {
  const before = (days: number) => new Date(now.getTime() - days * dayMs);
  const bodyDays = [settings.bodyDays, settings.usageDays].filter((days) => days > 0);
  return {
    ...(bodyDays.length > 0 ? { usage_bodies: before(Math.min(...bodyDays)) } : {}),
    ...(settings.usageDays > 0 ? { usage_records: before(settings.usageDays) } : {}),
  };
}

/**
 * Deletes logged bodies and usage records past their retention, at start and then every interval. A
 * run that fails is logged and counted, and the next one tries again; nothing else waits on it.
 */
export function startRetention(options: RetentionOptions): Retention {
  const { database, logger } = options;
  const now = options.now ?? (() => new Date());
  const registry = options.metrics?.registry;
  const name = 'gateway_retention_deleted_total';
  const deletedCounter = registry
    ? ((registry.getSingleMetric(name) as Counter<'table'> | undefined) ??
      new Counter({ name, help: 'Rows deleted past their retention (GATEWAY_BODY_RETENTION_DAYS, GATEWAY_USAGE_RETENTION_DAYS), by table', labelNames: ['table'], registers: [registry] }))
    : undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function runOnce(): Promise<Record<RetainedTable, number>> {
    const cutoffs = retentionCutoffs(options, now());
    const deleted: Record<RetainedTable, number> = { usage_bodies: 0, usage_records: 0 };
    // Bodies first: they never outlive their records.
    for (const table of ['usage_bodies', 'usage_records'] as const) {
      const before = cutoffs[table];
      if (!before) continue;
      deleted[table] = await deleteOlderThan(database.db, table, before);
      deletedCounter?.inc({ table }, deleted[table]);
    }
    if (deleted.usage_bodies + deleted.usage_records > 0) logger.info({ deleted, cutoffs }, 'usage past its retention deleted');
    return deleted;
  }

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((error: unknown) => logger.error({ err: error }, 'retention run failed; the next run tries again'))
        .finally(() => schedule(options.intervalMs ?? 60 * 60 * 1000));
    }, delayMs);
    timer.unref();
  };
  if (Object.keys(retentionCutoffs(options, now())).length > 0) schedule(0);

  return {
    runOnce,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
