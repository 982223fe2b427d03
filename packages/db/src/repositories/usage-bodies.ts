import type { Kysely } from 'kysely';
import type { UsageRecord } from '@gateway/contracts';
import type { Schema } from '../schema.ts';
import { usageCreatedAt } from './usage-created-at.ts';

/** The logged prompt and completion of one request (secrets already replaced by `<SECRET_n>`). */
export interface UsageBodiesEntry {
  requestId: string;
  /** The request's time. */
  createdAt: Date;
  prompt: string | null;
  completion: string | null;
  promptTruncated: boolean;
  completionTruncated: boolean;
}

/** Rows per INSERT: 6 parameters a row. */
const insertChunkSize = 1000;

/** Postgres text cannot hold U+0000: it is written as U+FFFD, as a decoder would show a bad byte. */
function storable(text: string | null): string | null {
  return text === null ? null : text.replaceAll('\u0000', '\uFFFD');
}

/**
 * Writes the bodies the records carry, each request id at most once (ON CONFLICT DO NOTHING), so a
 * batch delivered again after its usage rows were written still gets its bodies, and never twice.
 * Records without bodies are skipped. Returns how many rows were new.
 */
export async function insertUsageBodies(db: Kysely<Schema>, records: readonly UsageRecord[]): Promise<number> {
  const rows = records.flatMap((record) =>
    record.bodies
      ? [
          {
            request_id: record.requestId,
            created_at: usageCreatedAt(record),
            prompt: storable(record.bodies.prompt),
            completion: storable(record.bodies.completion),
            prompt_truncated: record.bodies.promptTruncated,
            completion_truncated: record.bodies.completionTruncated,
          },
        ]
      : [],
  );
  let inserted = 0;
  for (let start = 0; start < rows.length; start += insertChunkSize) {
    const written = await db
      .insertInto('usage_bodies')
      .values(rows.slice(start, start + insertChunkSize))
      .onConflict((conflict) => conflict.column('request_id').doNothing())
      .returning('request_id')
      .execute();
    inserted += written.length;
  }
  return inserted;
}

/** The logged bodies of a request, by the gateway's request id; undefined when none were logged. */
export async function getUsageBodies(db: Kysely<Schema>, requestId: string): Promise<UsageBodiesEntry | undefined> {
  const row = await db.selectFrom('usage_bodies').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  return (
    row && {
      requestId: row.request_id,
      createdAt: row.created_at,
      prompt: row.prompt,
      completion: row.completion,
      promptTruncated: row.prompt_truncated,
      completionTruncated: row.completion_truncated,
    }
  );
}
