import type { BudgetPeriod } from '@gateway/db';

/** The start of the budget period (UTC calendar day, ISO week from Monday, month) holding `now`. */
export function budgetPeriodStart(period: BudgetPeriod, now: Date = new Date()): Date {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (period === 'weekly') start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
  if (period === 'monthly') start.setUTCDate(1);
  return start;
}
