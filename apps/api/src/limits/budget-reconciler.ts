import { ledgerSpend, listKeysWithBudgets, type BudgetPeriod, type Database } from '@gateway/db';
import type { KeyValueStore } from '@gateway/kv';
import type { Logger } from '@gateway/telemetry';
import { budgetPeriodAt } from './budget-period.ts';
import { spendKey, spendTtl, toNanos } from './key-limiter.ts';
import { raiseSpendScript } from './limit-scripts.ts';

export interface BudgetCorrection {
  keyId: string;
  model: string | null;
  periodId: string;
  /** nano-USD in the store before and after. */
  before: number;
  after: number;
}

export interface BudgetReconciler {
  /** One pass over every budgeted key; returns the counters it raised. */
  runOnce(): Promise<BudgetCorrection[]>;
  stop(): void;
}

/**
 * Keeps budget counters true to the ledger: for every budget (a key's own, or a key's per model), the
 * usage records' cost over the current period is summed, and the store's spend counter is raised to it
 * when it is lower. Never lowered: the ledger lags behind settles (records travel through JetStream), so
 * a counter above the ledger is spend not yet recorded. Together with settles that happen at most once
 * per request (the request's marker), a lost settle or a lost counter is made good at the next pass, and
 * nothing is counted twice (the counter is the larger of the two sums, never their total).
 */
export function startBudgetReconciler(options: {
  database: Database;
  store: KeyValueStore;
  logger: Logger;
  /** 0: only `runOnce` by hand. */
  intervalMs: number;
  now?: () => Date;
}): BudgetReconciler {
  const now = options.now ?? (() => new Date());
  let running: Promise<BudgetCorrection[]> | undefined;

  async function pass(): Promise<BudgetCorrection[]> {
    const at = now();
    const keys = await listKeysWithBudgets(options.database.db);
    const scopes = new Map<BudgetPeriod, Array<{ keyId: string; model: string | null }>>();
    const add = (period: BudgetPeriod, keyId: string, model: string | null) => scopes.set(period, [...(scopes.get(period) ?? []), { keyId, model }]);
    for (const key of keys) {
      if (key.limits.budget) add(key.limits.budget.period, key.id, null);
      for (const [model, limits] of Object.entries(key.modelLimits ?? {})) if (limits.budget) add(limits.budget.period, key.id, model);
    }
    const corrections: BudgetCorrection[] = [];
    for (const [period, entries] of scopes) {
      const window = budgetPeriodAt(period, at);
      const rows = await ledgerSpend(options.database.db, [...new Set(entries.map((entry) => entry.keyId))], window.start, window.end);
      for (const { keyId, model } of entries) {
        const ledger = rows.filter((row) => row.keyId === keyId && (model === null || row.model === model)).reduce((sum, row) => sum + row.costUsd, 0);
        const result = await options.store.run(raiseSpendScript, [spendKey(keyId, model, window)], [toNanos(ledger, 'nearest'), spendTtl(window, at)]);
        if (result.after !== result.before) corrections.push({ keyId, model, periodId: window.id, ...result });
      }
    }
    for (const correction of corrections) options.logger.warn(correction, 'budget counter raised to the ledger’s spend');
    return corrections;
  }

  const runOnce = (): Promise<BudgetCorrection[]> => {
    // One pass at a time: a slow database never stacks passes.
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const tick = () => {
    runOnce().catch((error: unknown) => options.logger.error({ err: error }, 'budget reconciliation failed; counters stay as they are until the next pass'));
  };
  let timer: NodeJS.Timeout | undefined;
  if (options.intervalMs > 0) {
    tick();
    timer = setInterval(tick, options.intervalMs);
    timer.unref();
  }
  return {
    runOnce,
    stop: () => clearInterval(timer),
  };
}
