import { describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { insertUsageRecords, listUsage, summarizeUsage } from '../src/index.ts';
import { backends, useMigratedDatabase, usageRecord } from './harness.ts';

describe.each(backends)('usage records on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  it('writes each request id once, counting only new rows', async () => {
    const db = test.database.db;
    expect(await insertUsageRecords(db, [usageRecord('r1'), usageRecord('r2')])).toBe(2);
    // A redelivered batch, with a duplicate inside it and one new record.
    expect(await insertUsageRecords(db, [usageRecord('r2'), usageRecord('r3'), usageRecord('r3'), usageRecord('r1')])).toBe(1);
    expect(await insertUsageRecords(db, [])).toBe(0);
    const rows = await db.selectFrom('usage_records').select('request_id').orderBy('request_id').execute();
    expect(rows.map((row) => row.request_id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('keeps the first version of a record when a different one arrives with the same id', async () => {
    const db = test.database.db;
    await insertUsageRecords(db, [usageRecord('r1', { outputTokens: 1 })]);
    await insertUsageRecords(db, [usageRecord('r1', { outputTokens: 999 })]);
    const { records } = await listUsage(db, { limit: 10 });
    expect(records).toEqual([usageRecord('r1', { outputTokens: 1 })]);
  });

  it('reads back exactly what was written, nulls and numeric cost included', async () => {
    const db = test.database.db;
    const failed = usageRecord('r-failed', {
      createdAt: '2030-01-01T00:00:01.250Z',
      keyId: null,
      model: null,
      provider: null,
      providerModel: null,
      endpoint: 'embeddings',
      stream: true,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: null,
      status: 503,
      errorCode: 'provider_unavailable',
      attempts: 3,
      attemptLog: [
        { provider: 'first', model: 'm1', status: 503, latencyMs: 12.5, startMs: 0, errorCode: 'provider_error' },
        { provider: 'first', model: 'm1', status: 429, latencyMs: 3, startMs: 260, errorCode: 'rate_limited', retry: 1 },
        { provider: 'second', model: 'm2', status: 503, latencyMs: 0, startMs: 263, errorCode: 'provider_unavailable', hedge: true, fallback: 'context_window' },
      ],
    });
    const withoutMetadata = usageRecord('r-plain', { createdAt: '2030-01-01T00:00:00.500Z' });
    delete withoutMetadata.metadata;
    await insertUsageRecords(db, [failed, withoutMetadata]);
    const { records } = await listUsage(db, { limit: 10 });
    expect(records).toEqual([failed, { ...withoutMetadata, metadata: {} }]);
  });

  it("keeps the client's request id and finds a record by either id", async () => {
    const db = test.database.db;
    await insertUsageRecords(db, [
      usageRecord('req_gateway1', { clientRequestId: 'client-abc', inputTokens: 5 }),
      usageRecord('req_gateway2', { clientRequestId: 'client-abc', createdAt: '2030-01-01T00:00:01.000Z', inputTokens: 7 }),
      usageRecord('req_gateway3', { clientRequestId: 'req_gateway1', createdAt: '2030-01-01T00:00:02.000Z', inputTokens: 11 }),
      usageRecord('req_gateway4', { inputTokens: 13 }),
    ]);
    const withoutClientId = usageRecord('req_gateway5', { createdAt: '2030-01-01T00:00:03.000Z' });
    delete withoutClientId.clientRequestId;
    await insertUsageRecords(db, [withoutClientId]);

    const ids = async (requestId: string) => (await listUsage(db, { limit: 10, requestId })).records.map((record) => record.requestId);
    expect(await ids('client-abc')).toEqual(['req_gateway2', 'req_gateway1']);
    // An id that is one record's own and another's client id finds both.
    expect(await ids('req_gateway1')).toEqual(['req_gateway3', 'req_gateway1']);
    expect(await ids('req_gateway4')).toEqual(['req_gateway4']);
    expect(await ids('unknown')).toEqual([]);
    expect((await listUsage(db, { limit: 10, requestId: 'client-abc' })).records[0]).toEqual(
      usageRecord('req_gateway2', { clientRequestId: 'client-abc', createdAt: '2030-01-01T00:00:01.000Z', inputTokens: 7 }),
    );
    expect((await listUsage(db, { limit: 10, requestId: 'req_gateway5' })).records[0]?.clientRequestId).toBeNull();
    expect(await summarizeUsage(db, { requestId: 'client-abc' })).toMatchObject({ requests: 2, inputTokens: 12 });
    expect(await summarizeUsage(db, { requestId: 'client-abc', from: new Date('2030-01-01T00:00:00.500Z') })).toMatchObject({
      requests: 1,
      inputTokens: 7,
    });
  });

  it('writes large batches in chunks', async () => {
    const db = test.database.db;
    const records = Array.from({ length: 1234 }, (_, index) => usageRecord(`bulk-${index}`));
    expect(await insertUsageRecords(db, records)).toBe(1234);
    expect(await insertUsageRecords(db, records)).toBe(0);
    expect((await summarizeUsage(db)).requests).toBe(1234);
  });

  it('refuses a record whose createdAt is not a date', async () => {
    await expect(insertUsageRecords(test.database.db, [usageRecord('r1', { createdAt: 'yesterday' })])).rejects.toThrow(/invalid createdAt/);
  });

  it('pages newest first with a cursor, ties broken by request id, filters applied', async () => {
    const db = test.database.db;
    const records = [
      usageRecord('a', { createdAt: '2030-01-01T00:00:01.000Z' }),
      usageRecord('b', { createdAt: '2030-01-01T00:00:02.000Z' }),
      usageRecord('c', { createdAt: '2030-01-01T00:00:02.000Z' }),
      usageRecord('d', { createdAt: '2030-01-01T00:00:03.000Z', keyId: 'key_b' }),
      usageRecord('e', { createdAt: '2030-01-01T00:00:04.000Z', model: 'other' }),
    ];
    await insertUsageRecords(db, records);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listUsage(db, { limit: 2, ...(cursor !== undefined && { cursor }) });
      expect(page.records.length).toBeLessThanOrEqual(2);
      seen.push(...page.records.map((record) => record.requestId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);

    const ids = async (options: Parameters<typeof listUsage>[1]) =>
      (await listUsage(db, options)).records.map((record) => record.requestId);
    expect(await ids({ limit: 10, keyId: 'key_b' })).toEqual(['d']);
    expect(await ids({ limit: 10, model: 'gpt' })).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({ limit: 10, from: new Date('2030-01-01T00:00:02.000Z'), to: new Date('2030-01-01T00:00:04.000Z') })).toEqual(['d', 'c', 'b']);
    const firstPage = await listUsage(db, { limit: 1, model: 'gpt' });
    expect(await ids({ limit: 10, model: 'gpt', cursor: firstPage.nextCursor! })).toEqual(['c', 'b', 'a']);
  });

  it('rejects bad cursors and limits', async () => {
    const db = test.database.db;
    // Not base64 JSON; JSON of the wrong shape; the right shape with a time that is not one.
    const wrongTime = Buffer.from(JSON.stringify(['yesterday', 'r1'])).toString('base64url');
    for (const cursor of ['not-a-cursor', 'garbage', 'eyJhIjoxfQ', wrongTime]) {
      const error = await listUsage(db, { limit: 10, cursor }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({
        code: 'invalid_request',
        status: 400,
        param: 'cursor',
        message: 'Invalid cursor: pass next_cursor from the previous page',
      });
    }
    await expect(listUsage(db, { limit: 0 })).rejects.toThrow(/limit/);
    await expect(listUsage(db, { limit: 1001 })).rejects.toThrow(/limit/);
  });

  it('summarises requests, tokens, cost and errors under the filters', async () => {
    const db = test.database.db;
    expect(await summarizeUsage(db)).toEqual({ requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, errors: 0 });
    await insertUsageRecords(db, [
      usageRecord('a', { inputTokens: 100, outputTokens: 50, costUsd: 0.1 }),
      usageRecord('b', { inputTokens: 200, outputTokens: 25, costUsd: 0.2 }),
      usageRecord('c', { status: 429, errorCode: 'rate_limited', inputTokens: 0, outputTokens: 0, costUsd: null }),
      usageRecord('d', { keyId: 'key_b', inputTokens: 7, outputTokens: 3, costUsd: 1.5 }),
    ]);
    expect(await summarizeUsage(db, { keyId: 'key_a' })).toEqual({
      requests: 3,
      inputTokens: 300,
      outputTokens: 75,
      costUsd: 0.3,
      errors: 1,
    });
    expect(await summarizeUsage(db)).toMatchObject({ requests: 4, costUsd: 1.8 });
    expect((await summarizeUsage(db, { model: 'unknown' })).requests).toBe(0);
  });
});
