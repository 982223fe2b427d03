import type { BudgetPeriod } from '@gateway/db';

/** One calendar period of a budget, in UTC: [start, end). */
export interface PeriodWindow {
  /** Names the period in counter keys: `d2030-03-10`, `w2030-03-04` (its Monday), `m2030-03`. */
  id: string;
  start: Date;
  end: Date;
}

const dayMs = 86_400_000;

/**
 * The period containing `at`: a UTC day, an ISO week (Monday 00:00 UTC to the next Monday), or a UTC
 * calendar month. Computed from the API replica's clock (periods are long; replicas are NTP-synced).
 */
export function budgetPeriodAt(period: BudgetPeriod, at: Date): PeriodWindow {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = Date.UTC(year, month, at.getUTCDate());
  switch (period) {
    case 'daily':
      return { id: `d${isoDate(day)}`, start: new Date(day), end: new Date(day + dayMs) };
    case 'weekly': {
      // getUTCDay: Sunday 0 … Saturday 6; days since Monday: (day + 6) % 7.
      const monday = day - ((at.getUTCDay() + 6) % 7) * dayMs;
      return { id: `w${isoDate(monday)}`, start: new Date(monday), end: new Date(monday + 7 * dayMs) };
    }
    case 'monthly':
      return {
        id: `m${isoDate(Date.UTC(year, month, 1)).slice(0, 7)}`,
        start: new Date(Date.UTC(year, month, 1)),
        end: new Date(Date.UTC(year, month + 1, 1)),
      };
  }
}

/** Whole seconds from `at` to the end of its period, at least 1 (what Retry-After says when a budget is spent). */
export function secondsToPeriodEnd(window: PeriodWindow, at: Date): number {
  return Math.max(1, Math.ceil((window.end.getTime() - at.getTime()) / 1000));
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
