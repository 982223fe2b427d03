import { describe, expect, it } from 'vitest';
import { bucketSecondsFor, fillBuckets } from './overview.ts';
import { budgetPeriodStart } from './budget-period.ts';
import { worstVerdict } from './guardrail-verdict.ts';

describe('bucketSecondsFor', () => {
  const from = new Date('2030-01-01T00:00:00Z');
  const after = (seconds: number) => new Date(from.getTime() + seconds * 1000);
  it('picks the narrowest bucket that keeps a chart within 120 points', () => {
    expect(bucketSecondsFor(from, after(3_600))).toBe(60);
    expect(bucketSecondsFor(from, after(86_400))).toBe(900);
    expect(bucketSecondsFor(from, after(7 * 86_400))).toBe(6 * 3_600);
    expect(bucketSecondsFor(from, after(30 * 86_400))).toBe(6 * 3_600);
    expect(bucketSecondsFor(from, after(31 * 86_400))).toBe(86_400);
    expect(bucketSecondsFor(from, after(365 * 86_400))).toBe(4 * 86_400);
  });
});

describe('fillBuckets', () => {
  it('aligns on the epoch, keeps the buckets it has and fills the others with zeros', () => {
    const from = new Date('2030-01-01T00:00:30Z');
    const to = new Date('2030-01-01T00:03:00Z');
    const aggregate = { requests: 4, errors: 1, inputTokens: 5, outputTokens: 6, costUsd: 0.5, p50LatencyMs: 10, p95LatencyMs: 20, cacheHits: 1, cacheLookups: 4, costSavedUsd: 0.25, guardrailChecked: 3, guardrailFlagged: 1, guardrailRedacted: 1, guardrailDenied: 1 };
    const points = fillBuckets([{ start: new Date('2030-01-01T00:01:00Z'), ...aggregate }], from, to, 60);
    expect(points.map((point) => new Date(point.time).toISOString())).toEqual(['2030-01-01T00:00:00.000Z', '2030-01-01T00:01:00.000Z', '2030-01-01T00:02:00.000Z']);
    expect(points[0]).toEqual({
      time: Date.parse('2030-01-01T00:00:00Z'),
      requests: 0,
      errors: 0,
      errorRate: null,
      p50LatencyMs: null,
      p95LatencyMs: null,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      cacheHits: 0,
      cacheLookups: 0,
      cacheHitRatio: null,
      costSavedUsd: 0,
      guardrailChecked: 0,
      guardrailFlagged: 0,
      guardrailRedacted: 0,
      guardrailDenied: 0,
    });
    expect(points[1]).toMatchObject({ requests: 4, errors: 1, errorRate: 0.25, p95LatencyMs: 20, costUsd: 0.5, cacheHitRatio: 0.25, costSavedUsd: 0.25, guardrailChecked: 3, guardrailDenied: 1 });
  });
});

describe('budgetPeriodStart', () => {
  const wednesday = new Date('2030-01-09T15:30:00Z');
  it('starts days, ISO weeks (Monday) and months at midnight UTC', () => {
    expect(budgetPeriodStart('daily', wednesday).toISOString()).toBe('2030-01-09T00:00:00.000Z');
    expect(budgetPeriodStart('weekly', wednesday).toISOString()).toBe('2030-01-07T00:00:00.000Z');
    expect(budgetPeriodStart('weekly', new Date('2030-01-13T23:00:00Z')).toISOString()).toBe('2030-01-07T00:00:00.000Z');
    expect(budgetPeriodStart('monthly', wednesday).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('worstVerdict', () => {
  const verdict = (value: 'pass' | 'flag' | 'redact' | 'deny') => ({ policy: 'p', check: 'pii' as const, index: 0, action: 'redact' as const, verdict: value });
  it('is the most severe check verdict, or null when no policy applied', () => {
    expect(worstVerdict(null)).toBeNull();
    expect(worstVerdict([])).toBeNull();
    expect(worstVerdict([verdict('pass'), verdict('pass')])).toBe('pass');
    expect(worstVerdict([verdict('flag'), verdict('redact'), verdict('pass')])).toBe('redact');
    expect(worstVerdict([verdict('deny'), verdict('flag')])).toBe('deny');
  });
});
