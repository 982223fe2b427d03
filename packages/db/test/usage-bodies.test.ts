import { describe, expect, it } from 'vitest';
import { getUsageBodies, insertUsageRecords, listUsage } from '../src/index.ts';
import { backends, useMigratedDatabase, usageRecord } from './harness.ts';

const bodies = { prompt: 'user:\nhello <b>there</b>', completion: 'Echo: hello', promptTruncated: false, completionTruncated: true };

describe.each(backends)('logged bodies on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  it('stores the bodies a record carries apart from its usage row, and reads them back by request id', async () => {
    const db = test.database.db;
    await insertUsageRecords(db, [usageRecord('r-logged', { bodies }), usageRecord('r-plain')]);
    expect(await getUsageBodies(db, 'r-logged')).toEqual({ requestId: 'r-logged', createdAt: new Date('2030-01-01T00:00:00.000Z'), ...bodies });
    expect(await getUsageBodies(db, 'r-plain')).toBeUndefined();
    expect(await getUsageBodies(db, 'unknown')).toBeUndefined();
    // The usage row stays as it was: the list does not carry bodies.
    const { records } = await listUsage(db, { limit: 10 });
    expect(records.map((record) => [record.requestId, 'bodies' in record])).toEqual([
      ['r-plain', false],
      ['r-logged', false],
    ]);
  });

  it('writes each request once, and a redelivery after the usage row was written still stores the bodies', async () => {
    const db = test.database.db;
    await insertUsageRecords(db, [usageRecord('r1')]);
    // The same record again, now with its bodies (as when the first attempt failed after the usage insert).
    expect(await insertUsageRecords(db, [usageRecord('r1', { bodies })])).toBe(0);
    expect((await getUsageBodies(db, 'r1'))?.prompt).toBe(bodies.prompt);
    await insertUsageRecords(db, [usageRecord('r1', { bodies: { ...bodies, prompt: 'changed' } })]);
    expect((await getUsageBodies(db, 'r1'))?.prompt).toBe(bodies.prompt);
    expect(await db.selectFrom('usage_bodies').select('request_id').execute()).toHaveLength(1);
  });

  it('keeps nulls, and text Postgres cannot hold (U+0000) as U+FFFD', async () => {
    const db = test.database.db;
    await insertUsageRecords(db, [usageRecord('r-failed', { status: 502, bodies: { prompt: 'a\u0000b', completion: null, promptTruncated: false, completionTruncated: false } })]);
    expect(await getUsageBodies(db, 'r-failed')).toMatchObject({ prompt: 'a\uFFFDb', completion: null });
  });
});
