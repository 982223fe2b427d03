import { Counter, type Registry } from 'prom-client';

export type RecordOutcome = 'written' | 'duplicate' | 'rejected';

export interface LedgerMetrics {
  /** Usage records handled, by outcome. */
  records: Counter<'outcome'>;
  /** Batches that could not be written and were left for redelivery. */
  failedBatches: Counter;
  /** Updates of `gateway_keys.last_used_at` that failed (the usage itself was written). */
  lastUsedFailures: Counter;
}

/** Registers the ledger's counters, or reuses them when a ledger was already started on this registry. */
export function registerLedgerMetrics(registry: Registry): LedgerMetrics {
  const records =
    (registry.getSingleMetric('gateway_ledger_records_total') as Counter<'outcome'> | undefined) ??
    new Counter({
      name: 'gateway_ledger_records_total',
      help: 'Usage records handled by the ledger: written (new), duplicate (request id already stored), rejected (cannot be stored)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  const failedBatches =
    (registry.getSingleMetric('gateway_ledger_failed_batches_total') as Counter | undefined) ??
    new Counter({
      name: 'gateway_ledger_failed_batches_total',
      help: 'Usage batches the ledger could not write; they are delivered again',
      registers: [registry],
    });
  const lastUsedFailures =
    (registry.getSingleMetric('gateway_ledger_last_used_failures_total') as Counter | undefined) ??
    new Counter({
      name: 'gateway_ledger_last_used_failures_total',
      help: 'Updates of gateway_keys.last_used_at the ledger could not make; the usage records were written regardless',
      registers: [registry],
    });
  // Every outcome exported from the start at 0, so rates and alerts work before the first one happens.
  for (const outcome of ['written', 'duplicate', 'rejected'] satisfies RecordOutcome[]) records.inc({ outcome }, 0);
  return { records, failedBatches, lastUsedFailures };
}
