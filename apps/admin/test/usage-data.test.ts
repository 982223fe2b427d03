import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aggregateAdminUsage, aggregateAdminUsageBy, adminUsageFacets, getAdminUsageEntry, insertUsageRecords, listAdminUsage } from '@gateway/db';
import { loadOverview } from '../src/lib/data/overview.ts';
import { parseFilters } from '../src/lib/data/filters.ts';
import { openMigratedDatabase, usageRecord, type Backend } from './support/database.ts';

/**
 * The dashboard's data functions against real databases: every number the overview and the log show
 * is checked against values worked out by hand from the inserted usage records.
 */
const base = Date.parse('2030-01-01T10:00:00.000Z');
const verdict = (check: 'pii' | 'prompt_injection', action: 'redact' | 'deny' | 'flag', outcome: 'pass' | 'flag' | 'redact' | 'deny') => ({ policy: 'strict', check, index: 0, action, verdict: outcome });
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

/** Ten requests: latencies 100..1000 ms; two errors; two keys, two models, two providers; two hours. */
const records = [
  usageRecord('req_01', { createdAt: at(0), latencyMs: 100, costUsd: 0.01, inputTokens: 1, outputTokens: 2, cacheStatus: 'hit', costSavedUsd: 0.05 }),
  usageRecord('req_02', { createdAt: at(5), latencyMs: 200, costUsd: 0.02, inputTokens: 1, outputTokens: 2, cacheStatus: 'semantic_hit', costSavedUsd: 0.02 }),
  usageRecord('req_03', { createdAt: at(10), latencyMs: 300, costUsd: 0.03, inputTokens: 1, outputTokens: 2, status: 429, errorCode: 'rate_limited', guardrails: [verdict('pii', 'redact', 'redact'), verdict('prompt_injection', 'deny', 'deny')] }),
  usageRecord('req_04', { createdAt: at(15), latencyMs: 400, costUsd: 0.04, inputTokens: 1, outputTokens: 2, model: 'smart', provider: 'anthropic-main', cacheStatus: 'miss', guardrails: [verdict('pii', 'redact', 'redact'), verdict('prompt_injection', 'flag', 'flag')] }),
  usageRecord('req_05', { createdAt: at(20), latencyMs: 500, costUsd: 0.05, inputTokens: 1, outputTokens: 2, keyId: 'key_b', clientRequestId: 'client-5', guardrails: [verdict('prompt_injection', 'flag', 'flag')] }),
  usageRecord('req_06', { createdAt: at(65), latencyMs: 600, costUsd: 0.06, inputTokens: 1, outputTokens: 2, keyId: 'key_b', cacheStatus: 'miss', guardrails: [verdict('pii', 'redact', 'pass')] }),
  usageRecord('req_07', { createdAt: at(70), latencyMs: 700, costUsd: 0.07, inputTokens: 1, outputTokens: 2, status: 502, errorCode: 'provider_error', provider: 'anthropic-main', model: 'smart', cacheStatus: 'bypass' }),
  usageRecord('req_08', { createdAt: at(75), latencyMs: 800, costUsd: null, inputTokens: 1, outputTokens: 2 }),
  usageRecord('req_09', { createdAt: at(80), latencyMs: 900, costUsd: 0.09, inputTokens: 1, outputTokens: 2, keyId: null }),
  usageRecord('req_10', { createdAt: at(85), latencyMs: 1000, costUsd: 0.1, inputTokens: 1, outputTokens: 2, metadata: { note: '<img src=x onerror=alert(1)>' } }),
];
const window = { from: new Date(base), to: new Date(base + 120 * 60_000) };

describe.each<Backend>(['postgres', 'pglite'])('dashboard usage data on %s', (backend) => {
  let test: Awaited<ReturnType<typeof openMigratedDatabase>>;
  beforeAll(async () => {
    test = await openMigratedDatabase(backend);
  }, 60_000);
  afterEach(async () => {
    await test.clean();
  });
  afterAll(async () => {
    await test?.dispose();
  });

  it('totals match the records: counts, errors, tokens, cost and latency percentiles', async () => {
    await insertUsageRecords(test.database.db, records);
    const totals = await aggregateAdminUsage(test.database.db, window);
    expect(totals).toEqual({
      requests: 10,
      errors: 2,
      inputTokens: 10,
      outputTokens: 20,
      // req_08 has no cost: it counts as nothing, not as a failure of the sum.
      costUsd: expect.closeTo(0.47, 8),
      // percentile_cont over 100..1000: p50 = 550, p95 = 955 (linear interpolation).
      p50LatencyMs: 550,
      p95LatencyMs: expect.closeTo(955, 6),
      // Hits: req_01, req_02; lookups add the misses req_04, req_06 (a bypass looks nothing up).
      cacheHits: 2,
      cacheLookups: 4,
      costSavedUsd: expect.closeTo(0.07, 8),
      // Checked: req_03 (a redact and a deny), req_04 (a redact and a flag), req_05 (flag), req_06 (pass).
      // Each counts once, under its most severe verdict: 1 + 1 + 1 + the pass = 4 checked.
      guardrailChecked: 4,
      guardrailFlagged: 1,
      guardrailRedacted: 1,
      guardrailDenied: 1,
    });
    const empty = await aggregateAdminUsage(test.database.db, { from: new Date(0), to: new Date(1) });
    expect(empty).toEqual({ requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, p50LatencyMs: null, p95LatencyMs: null, cacheHits: 0, cacheLookups: 0, costSavedUsd: 0, guardrailChecked: 0, guardrailFlagged: 0, guardrailRedacted: 0, guardrailDenied: 0 });
  });

  it('filters by key, model, provider, status, request id and time, alone and together', async () => {
    await insertUsageRecords(test.database.db, records);
    const db = test.database.db;
    const ids = async (filters: Parameters<typeof listAdminUsage>[1]) => (await listAdminUsage(db, filters, { limit: 100 })).entries.map((entry) => entry.requestId).sort();
    expect(await ids({ keyId: 'key_b' })).toEqual(['req_05', 'req_06']);
    expect(await ids({ model: 'smart' })).toEqual(['req_04', 'req_07']);
    expect(await ids({ provider: 'anthropic-main', status: 'error' })).toEqual(['req_07']);
    expect(await ids({ status: 429 })).toEqual(['req_03']);
    expect(await ids({ status: 'ok' })).toHaveLength(8);
    expect(await ids({ requestId: 'client-5' })).toEqual(['req_05']);
    expect(await ids({ cacheStatus: 'miss' })).toEqual(['req_04', 'req_06']);
    expect(await ids({ cacheStatus: 'off' })).toEqual(['req_03', 'req_05', 'req_08', 'req_09', 'req_10']);
    expect(await ids({ cacheStatus: 'hit', keyId: 'key_a' })).toEqual(['req_01']);
    expect(await ids({ guardrail: 'deny' })).toEqual(['req_03']);
    expect(await ids({ guardrail: 'redact' })).toEqual(['req_04']);
    expect(await ids({ guardrail: 'flag', keyId: 'key_b' })).toEqual(['req_05']);
    // req_04 also flagged, but it was redacted: it is listed under its most severe verdict, as the log's column shows it.
    expect(await ids({ guardrail: 'flag' })).toEqual(['req_05']);
    expect(await ids({ guardrail: 'pass' })).toEqual(['req_06']);
    expect(await ids({ guardrail: 'none' })).toEqual(['req_01', 'req_02', 'req_07', 'req_08', 'req_09', 'req_10']);
    expect(await ids({ from: new Date(base + 60 * 60_000) })).toEqual(['req_06', 'req_07', 'req_08', 'req_09', 'req_10']);
    expect(await ids({ to: new Date(base + 10 * 60_000) })).toEqual(['req_01', 'req_02']);
    expect(await ids({ keyId: 'key_a', model: 'fast', provider: 'openai-main', status: 'ok', from: new Date(base + 60 * 60_000) })).toEqual(['req_08', 'req_10']);
    expect((await aggregateAdminUsage(db, { ...window, keyId: 'key_b' })).costUsd).toBeCloseTo(0.11, 8);
  });

  it('pages the log newest first without repeating or skipping, and rejects a forged cursor', async () => {
    await insertUsageRecords(test.database.db, records);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAdminUsage(test.database.db, {}, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.entries.map((entry) => entry.requestId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(records.map((record) => record.requestId).reverse());
    await expect(listAdminUsage(test.database.db, {}, { limit: 3, cursor: 'not-a-cursor' })).rejects.toThrow(RangeError);
  });

  it('keeps logged content as data: the detail returns metadata exactly as stored', async () => {
    await insertUsageRecords(test.database.db, records);
    const entry = await getAdminUsageEntry(test.database.db, 'req_10');
    expect(entry?.metadata).toEqual({ note: '<img src=x onerror=alert(1)>' });
    expect((await getAdminUsageEntry(test.database.db, 'client-5'))?.requestId).toBe('req_05');
    expect((await getAdminUsageEntry(test.database.db, 'req_03'))?.guardrails).toEqual([verdict('pii', 'redact', 'redact'), verdict('prompt_injection', 'deny', 'deny')]);
    expect(await getAdminUsageEntry(test.database.db, 'missing')).toBeUndefined();
    // Records without an attempt log (cache hits, records from before it) read as none.
    expect((await getAdminUsageEntry(test.database.db, 'req_05'))?.attemptLog).toEqual([]);
  });

  it('returns the request’s attempts for its timeline', async () => {
    const attemptLog = [
      { provider: 'openai-main', model: 'gpt-4o', status: 429, latencyMs: 12, startMs: 1, errorCode: 'rate_limited' as const },
      { provider: 'anthropic-main', model: 'claude', status: 200, latencyMs: 300, startMs: 14, fallback: 'context_window' },
    ];
    await insertUsageRecords(test.database.db, [usageRecord('req_attempts', { createdAt: at(1), attempts: 2, attemptLog })]);
    expect((await getAdminUsageEntry(test.database.db, 'req_attempts'))?.attemptLog).toEqual(attemptLog);
  });

  it('groups by dimension busiest first and lists the facets seen', async () => {
    await insertUsageRecords(test.database.db, records);
    const byProvider = await aggregateAdminUsageBy(test.database.db, window, 'provider');
    expect(byProvider.map((row) => [row.value, row.requests, row.errors])).toEqual([
      ['openai-main', 8, 1],
      ['anthropic-main', 2, 1],
    ]);
    const byKey = await aggregateAdminUsageBy(test.database.db, window, 'key_id');
    expect(byKey.map((row) => [row.value, row.requests])).toEqual([
      ['key_a', 7],
      ['key_b', 2],
      [null, 1],
    ]);
    expect(await adminUsageFacets(test.database.db, window)).toEqual({ models: ['fast', 'smart'], providers: ['anthropic-main', 'openai-main'], keyIds: ['key_a', 'key_b'] });
  });

  it('builds the overview series: every bucket of the window, sums equal to the totals', async () => {
    await insertUsageRecords(test.database.db, records);
    const overview = await loadOverview(test.database.db, window);
    // Two hours at most 120 points: one-minute buckets.
    expect(overview.bucketSeconds).toBe(60);
    expect(overview.series).toHaveLength(120);
    expect(overview.series[0]?.time).toBe(base);
    const sum = (pick: (point: (typeof overview.series)[number]) => number) => overview.series.reduce((total, point) => total + pick(point), 0);
    expect(sum((point) => point.requests)).toBe(overview.totals.requests);
    expect(sum((point) => point.errors)).toBe(2);
    expect(sum((point) => point.costUsd)).toBeCloseTo(overview.totals.costUsd, 8);
    const at10 = overview.series.find((point) => point.time === base + 10 * 60_000);
    expect(at10).toMatchObject({ requests: 1, errors: 1, errorRate: 1, p50LatencyMs: 300, p95LatencyMs: 300 });
    const quiet = overview.series.find((point) => point.time === base + 30 * 60_000);
    expect(quiet).toMatchObject({ requests: 0, errorRate: null, p50LatencyMs: null });
    expect(overview.totals.errorRate).toBeCloseTo(0.2, 10);
    expect(overview.totals.cacheHitRatio).toBe(0.5);
    expect(overview.series.find((point) => point.time === base)?.cacheHitRatio).toBe(1);
    expect(sum((point) => point.cacheLookups)).toBe(4);
    // The verdict chart stacks denied, redacted and flagged: per bucket they never exceed the requests checked.
    for (const point of overview.series) {
      expect(point.guardrailDenied + point.guardrailRedacted + point.guardrailFlagged).toBeLessThanOrEqual(point.guardrailChecked);
    }
    expect(sum((point) => point.guardrailDenied + point.guardrailRedacted + point.guardrailFlagged)).toBe(3);
    expect(overview.byModel.map((row) => row.value)).toEqual(['fast', 'smart']);

    const filtered = await loadOverview(test.database.db, { ...window, ...parseFilters({ model: 'smart', provider: 'anthropic-main' }).filters });
    expect(filtered.totals).toMatchObject({ requests: 2, errors: 1, p50LatencyMs: 550 });
  });
});
