import type { Kysely } from 'kysely';
import { ledgerSpend, type BudgetPeriod, type KeyRecord, type Schema } from '@gateway/db';
import { budgetPeriodStart } from './budget-period.ts';

/**
 * What each key spent, per the usage records: in its budget's current period when it has a budget,
 * otherwise over the last 30 days. One query per distinct window.
 */
export async function keySpend(db: Kysely<Schema>, keys: readonly KeyRecord[], now: Date = new Date()): Promise<Map<string, { usd: number; since: Date; period: BudgetPeriod | '30 days' }>> {
  const windows = new Map<string, { since: Date; period: BudgetPeriod | '30 days'; ids: string[] }>();
  for (const key of keys) {
    const period = key.limits.budget?.period ?? '30 days';
    const since = period === '30 days' ? new Date(now.getTime() - 30 * 86_400_000) : budgetPeriodStart(period, now);
    const window = windows.get(period) ?? { since, period, ids: [] };
    window.ids.push(key.id);
    windows.set(period, window);
  }
  const result = new Map<string, { usd: number; since: Date; period: BudgetPeriod | '30 days' }>();
  await Promise.all(
    [...windows.values()].map(async (window) => {
      for (const id of window.ids) result.set(id, { usd: 0, since: window.since, period: window.period });
      for (const spend of await ledgerSpend(db, window.ids, window.since, new Date(now.getTime() + 1))) {
        const entry = result.get(spend.keyId);
        if (entry) entry.usd += spend.costUsd;
      }
    }),
  );
  return result;
}
