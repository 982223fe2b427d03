import { describe, expect, it } from 'vitest';
import { retentionCutoffs } from './retention.ts';

const now = new Date('2030-06-30T00:00:00.000Z');
const daysBefore = (days: number) => new Date(now.getTime() - days * 86_400_000);

describe('retentionCutoffs', () => {
  it('keeps bodies for their own days, and never longer than their usage records', () => {
    expect(retentionCutoffs({ bodyDays: 30, usageDays: 0 }, now)).toEqual({ usage_bodies: daysBefore(30) });
    expect(retentionCutoffs({ bodyDays: 30, usageDays: 400 }, now)).toEqual({ usage_bodies: daysBefore(30), usage_records: daysBefore(400) });
    expect(retentionCutoffs({ bodyDays: 90, usageDays: 40 }, now)).toEqual({ usage_bodies: daysBefore(40), usage_records: daysBefore(40) });
    expect(retentionCutoffs({ bodyDays: 0, usageDays: 40 }, now)).toEqual({ usage_bodies: daysBefore(40), usage_records: daysBefore(40) });
  });

  it('has no cut-off where nothing is to be deleted', () => {
    expect(retentionCutoffs({ bodyDays: 0, usageDays: 0 }, now)).toEqual({});
  });
});
