import type { Kysely } from 'kysely';
import type { Schema } from '../schema.ts';

/** Rows deleted per statement: short transactions that never hold many locks at once. */
const deleteBatchSize = 5000;

/** The tables a retention period applies to; both are kept by the request's own time (`created_at`). */
export type RetainedTable = 'usage_records' | 'usage_bodies';

/**
 * Deletes the rows of `table` whose request is older than `before`, a batch at a time, and returns how
 * many went. Running it from several ledger replicas at once is harmless: a row is deleted once.
 */
export async function deleteOlderThan(db: Kysely<Schema>, table: RetainedTable, before: Date, batchSize = deleteBatchSize): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db
      .deleteFrom(table)
      .where('request_id', 'in', (eb) => eb.selectFrom(table).select('request_id').where('created_at', '<', before).limit(batchSize))
      .executeTakeFirst();
    const count = Number(result.numDeletedRows);
    deleted += count;
    if (count < batchSize) return deleted;
  }
}
