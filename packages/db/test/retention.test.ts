import { describe, expect, it } from 'vitest';
import { deleteOlderThan, insertUsageRecords } from '../src/index.ts';
import { backends, useMigratedDatabase, usageRecord } from './harness.ts';

const bodies = { prompt: 'user:\nhello', completion: 'Echo: hello', promptTruncated: false, completionTruncated: false };
const day = (n: number) => `2030-01-${String(n).padStart(2, '0')}T12:00:00.000Z`;

describe.each(backends)('retention on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  it('deletes the rows of requests before the cut-off, in batches, from one table only', async () => {
    const db = test.database.db;
    await insertUsageRecords(db, [1, 2, 3, 4, 5, 6, 7].map((n) => usageRecord(`r${n}`, { createdAt: day(n), bodies })));
    // Batches of 2: four old rows take three statements, the last one short.
    expect(await deleteOlderThan(db, 'usage_bodies', new Date(day(5)), 2)).toBe(4);
    const ids = async (table: 'usage_records' | 'usage_bodies') => (await db.selectFrom(table).select('request_id').orderBy('request_id').execute()).map((row) => row.request_id);
    expect(await ids('usage_bodies')).toEqual(['r5', 'r6', 'r7']);
    expect(await ids('usage_records')).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
    expect(await deleteOlderThan(db, 'usage_records', new Date(day(3)))).toBe(2);
    expect(await ids('usage_records')).toEqual(['r3', 'r4', 'r5', 'r6', 'r7']);
    // Nothing left before the cut-off: nothing deleted.
    expect(await deleteOlderThan(db, 'usage_records', new Date(day(3)))).toBe(0);
  });
});
