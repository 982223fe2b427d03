import { describe, expect, it } from 'vitest';
import { budgetPeriodAt, secondsToPeriodEnd } from './budget-period.ts';

const at = (iso: string) => new Date(iso);

describe('budget periods (UTC)', () => {
  it('daily: the UTC day, whatever the time of day', () => {
    expect(budgetPeriodAt('daily', at('2030-03-10T00:00:00.000Z'))).toEqual({
      id: 'd2030-03-10',
      start: at('2030-03-10T00:00:00.000Z'),
      end: at('2030-03-11T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('daily', at('2030-03-10T23:59:59.999Z')).id).toBe('d2030-03-10');
    expect(budgetPeriodAt('daily', at('2030-12-31T12:00:00.000Z')).end).toEqual(at('2031-01-01T00:00:00.000Z'));
  });

  it('weekly: ISO weeks from Monday 00:00 UTC', () => {
    // 2030-03-10 is a Sunday: still the week of Monday 2030-03-04.
    expect(budgetPeriodAt('weekly', at('2030-03-10T23:59:59.999Z'))).toEqual({
      id: 'w2030-03-04',
      start: at('2030-03-04T00:00:00.000Z'),
      end: at('2030-03-11T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('weekly', at('2030-03-11T00:00:00.000Z')).id).toBe('w2030-03-11');
    // A week across the year's end.
    expect(budgetPeriodAt('weekly', at('2031-01-01T08:00:00.000Z'))).toEqual({
      id: 'w2030-12-30',
      start: at('2030-12-30T00:00:00.000Z'),
      end: at('2031-01-06T00:00:00.000Z'),
    });
  });

  it('monthly: the UTC calendar month, leap years included', () => {
    expect(budgetPeriodAt('monthly', at('2028-02-29T23:00:00.000Z'))).toEqual({
      id: 'm2028-02',
      start: at('2028-02-01T00:00:00.000Z'),
      end: at('2028-03-01T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('monthly', at('2030-12-15T00:00:00.000Z')).end).toEqual(at('2031-01-01T00:00:00.000Z'));
    expect(budgetPeriodAt('monthly', at('2030-01-01T00:00:00.000Z')).id).toBe('m2030-01');
  });

  it('Retry-After is the whole seconds to the period end, at least one', () => {
    const window = budgetPeriodAt('daily', at('2030-03-10T23:59:58.500Z'));
    expect(secondsToPeriodEnd(window, at('2030-03-10T23:59:58.500Z'))).toBe(2);
    expect(secondsToPeriodEnd(window, at('2030-03-10T23:59:59.999Z'))).toBe(1);
    expect(secondsToPeriodEnd(window, at('2030-03-10T00:00:00.000Z'))).toBe(86_400);
  });
});
