import { describe, expect, it } from 'vitest';
import { filterQuery, parseFilters, pinnedFilterQuery } from './filters.ts';

const now = new Date('2030-01-02T00:00:00.000Z');

describe('parseFilters', () => {
  it('reads every filter, a datetime-local value as UTC', () => {
    const parsed = parseFilters({ from: '2030-01-01T10:00', to: '2030-01-01T11:00:00Z', key: 'key_a', model: 'fast', provider: 'p', status: '429', request_id: 'r1', cache: 'semantic_hit', guardrail: 'deny' }, { now });
    expect(parsed.filters).toEqual({
      from: new Date('2030-01-01T10:00:00Z'),
      to: new Date('2030-01-01T11:00:00Z'),
      keyId: 'key_a',
      model: 'fast',
      provider: 'p',
      status: 429,
      requestId: 'r1',
      cacheStatus: 'semantic_hit',
      guardrail: 'deny',
    });
    expect(parsed.problems).toEqual([]);
  });

  it('applies a preset range, or the default one when no time is given', () => {
    expect(parseFilters({ range: '1h' }, { now }).filters.from).toEqual(new Date('2030-01-01T23:00:00.000Z'));
    expect(parseFilters({}, { now, defaultRange: '24h' }).filters.from).toEqual(new Date('2030-01-01T00:00:00.000Z'));
    expect(parseFilters({}, { now }).filters.from).toBeUndefined();
  });

  it('lets a preset win over dates, so switching from custom dates back to a preset works', () => {
    const parsed = parseFilters({ range: '1h', from: '2029-12-01T00:00', to: '2029-12-02T00:00' }, { now, defaultRange: '24h' });
    expect(parsed.range).toBe('1h');
    expect(parsed.filters).toEqual({ from: new Date('2030-01-01T23:00:00.000Z') });
    expect(parsed.problems).toEqual([]);
    expect(filterQuery(parsed)).toBe('range=1h');
    // "custom" (an empty range) uses the dates.
    const custom = parseFilters({ range: '', from: '2029-12-01T00:00', to: '2029-12-02T00:00' }, { now, defaultRange: '24h' });
    expect(custom.range).toBeUndefined();
    expect(custom.filters).toEqual({ from: new Date('2029-12-01T00:00:00Z'), to: new Date('2029-12-02T00:00:00Z') });
  });

  it('ends the default window at `to` when only `to` is given; without a default, only `to` applies', () => {
    const until = parseFilters({ to: '2029-12-25T12:00:00Z' }, { now, defaultRange: '24h' });
    expect(until.filters).toEqual({ from: new Date('2029-12-24T12:00:00Z'), to: new Date('2029-12-25T12:00:00Z') });
    expect(until.problems).toEqual([]);
    expect(parseFilters({ to: '2029-12-25T12:00:00Z' }, { now }).filters).toEqual({ to: new Date('2029-12-25T12:00:00Z') });
    // Only `from`: up to now (the page fills `to` in).
    expect(parseFilters({ from: '2029-12-25T12:00:00Z' }, { now, defaultRange: '24h' }).filters).toEqual({ from: new Date('2029-12-25T12:00:00Z') });
  });

  it('reports bad values and leaves them out instead of failing', () => {
    const parsed = parseFilters({ from: 'yesterday', status: 'teapot', model: ['fast', 'slow'], range: 'forever', cache: 'warm' }, { now });
    expect(parsed.filters).toEqual({ model: 'fast' });
    expect(parsed.problems).toEqual([expect.stringContaining('from'), expect.stringContaining('status'), expect.stringContaining('cache')]);
    const reversed = parseFilters({ from: '2030-01-01T12:00Z', to: '2030-01-01T11:00Z' }, { now });
    expect(reversed.filters.to).toBeUndefined();
    expect(reversed.problems).toEqual(['from must be before to']);
  });

  it('round-trips through filterQuery, with extras replacing a filter', () => {
    const parsed = parseFilters({ range: '7d', model: 'fast', status: 'error' }, { now });
    const query = filterQuery(parsed, { model: 'smart', cursor: 'c' });
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({ range: '7d', model: 'smart', status: 'error', cursor: 'c' });
  });

  it('pins a preset to absolute times for page links, so a later page shows the same window', () => {
    const parsed = parseFilters({ range: '24h', model: 'fast' }, { now });
    const query = pinnedFilterQuery(parsed, now, { cursor: 'c' });
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({ from: '2030-01-01T00:00:00.000Z', to: '2030-01-02T00:00:00.000Z', model: 'fast', cursor: 'c' });
    // Read an hour later, the link still means the same window.
    const later = parseFilters(Object.fromEntries(new URLSearchParams(query)), { now: new Date(now.getTime() + 3_600_000) });
    expect(later.filters).toEqual({ from: new Date('2030-01-01T00:00:00.000Z'), to: now, model: 'fast' });
    expect(later.cursor).toBe('c');
    // Absolute times stay as they are; an open end is closed at now.
    const custom = parseFilters({ from: '2029-12-01T00:00:00Z', to: '2029-12-02T00:00:00Z' }, { now });
    expect(pinnedFilterQuery(custom, now)).toBe(filterQuery(custom));
    expect(pinnedFilterQuery(parseFilters({}, { now }), now)).toBe('to=2030-01-02T00%3A00%3A00.000Z');
  });
});
