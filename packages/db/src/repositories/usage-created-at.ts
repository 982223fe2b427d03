import type { UsageRecord } from '@gateway/contracts';

/** Parses a record's `createdAt`; a value Postgres would misread or refuse is an error here. */
export function usageCreatedAt(record: Pick<UsageRecord, 'createdAt' | 'requestId'>): Date {
  const createdAt = new Date(record.createdAt);
  if (Number.isNaN(createdAt.getTime())) {
    throw new Error(`Usage record ${record.requestId} has an invalid createdAt: ${JSON.stringify(record.createdAt)}`);
  }
  return createdAt;
}
