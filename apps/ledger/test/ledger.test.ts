import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Registry, type Counter } from 'prom-client';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createMemoryBus, createNatsBus, type Bus } from '@gateway/bus';
import { usageStream, type GuardrailVerdict, type UsageRecord } from '@gateway/contracts';
import {
  createDatabase,
  createKey,
  getKey,
  insertUsageRecords,
  databaseUrlWithName,
  dropDatabase,
  ensureDatabaseExists,
  migrateToLatest,
  type Database,
} from '@gateway/db';
import { createLogger } from '@gateway/telemetry';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import { startLedger, type Ledger } from '../src/index.ts';

const logger = createLogger({ service: 'ledger-test', level: 'silent' });

function usageRecord(requestId: string, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId,
    createdAt: new Date().toISOString(),
    keyId: 'key_test',
    model: 'gpt',
    provider: 'openai',
    providerModel: 'gpt-4o',
    endpoint: 'chat',
    stream: false,
    inputTokens: 12,
    outputTokens: 34,
    costUsd: 0.0001,
    latencyMs: 250,
    overheadMs: 2,
    status: 200,
    errorCode: null,
    attempts: 1,
    ...overrides,
  };
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function counterValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name) as Counter | undefined;
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([label, expected]) => value.labels[label] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

const records = (registry: Registry, outcome: string) => counterValue(registry, 'gateway_ledger_records_total', { outcome });
const failedBatches = (registry: Registry) => counterValue(registry, 'gateway_ledger_failed_batches_total');
const lastUsedFailures = (registry: Registry) => counterValue(registry, 'gateway_ledger_last_used_failures_total');

async function rowCount(database: Database): Promise<number> {
  const row = await database.db.selectFrom('usage_records').select(sql<string | number>`count(*)`.as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

interface BusUnderTest {
  bus: Bus;
  dispose(): Promise<void>;
}

type BusKind = 'memory' | 'nats';

/** A fresh bus: a new in-process one, or NATS under a namespace of its own (its stream deleted afterwards). */
async function openBus(kind: BusKind): Promise<BusUnderTest> {
  if (kind === 'memory') {
    const bus = createMemoryBus({ logger });
    return { bus, dispose: () => bus.close() };
  }
  const { natsUrl } = testServiceUrls();
  const namespace = uniqueName('ledger');
  const bus = await createNatsBus({ url: natsUrl, name: 'ledger-test', namespace, logger });
  return {
    bus,
    dispose: async () => {
      await bus.close();
      const connection = await connect({ servers: natsUrl });
      try {
        const manager = await jetstreamManager(connection);
        await manager.streams.delete(`${namespace}_${usageStream.stream}`).catch(() => false);
      } finally {
        await connection.close();
      }
    },
  };
}

/** Fast batches and quick redelivery, so tests wait milliseconds rather than seconds. */
const fastConsume = { maxWaitMs: 50, redeliveryDelayMs: 100, batchSize: 20 } as const;

async function publish(bus: Bus, record: UsageRecord, messageId = record.requestId): Promise<boolean> {
  const { duplicate } = await bus.publishDurable(usageStream, record, { messageId });
  return duplicate;
}

describe.each<BusKind>(['memory', 'nats'])('ledger on the %s bus with Postgres', (busKind) => {
  let databaseUrl: string;
  let database: Database;
  let underTest: BusUnderTest;
  let ledger: Ledger | undefined;
  let registry: Registry;

  beforeAll(async () => {
    databaseUrl = databaseUrlWithName(testServiceUrls().databaseUrl, uniqueName('ledger_test'));
    await ensureDatabaseExists(databaseUrl);
    database = await createDatabase({ url: databaseUrl, poolSize: 4 });
    await migrateToLatest(database.db);
  });
  afterEach(async () => {
    await ledger?.stop();
    ledger = undefined;
    await underTest?.dispose();
    await sql`truncate usage_records, usage_bodies, gateway_keys`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  async function start(options: { database?: Database } = {}): Promise<Bus> {
    underTest = await openBus(busKind);
    registry = new Registry();
    ledger = await startLedger({ bus: underTest.bus, database: options.database ?? database, logger, metrics: { registry }, ...fastConsume });
    return underTest.bus;
  }

  it('writes N records exactly once, whatever the duplicates and late re-publications', async () => {
    const bus = await start();
    const count = 40;
    const originals = Array.from({ length: count }, (_, index) => usageRecord(uniqueName(`request${index}`), { outputTokens: index }));
    for (const record of originals) expect(await publish(bus, record)).toBe(false);

    // Same message id within the de-duplication window: the stream itself drops them.
    for (const record of originals.slice(0, 10)) expect(await publish(bus, record)).toBe(true);
    // Published again under another message id, as after the window passed: only the ledger can tell.
    for (const record of originals.slice(10, 20)) {
      expect(await publish(bus, { ...record, outputTokens: 9999 }, `${record.requestId}:late`)).toBe(false);
    }

    await waitFor(async () => (await records(registry, 'written')) + (await records(registry, 'duplicate')) >= count + 10, 'every message to be handled');
    expect(await rowCount(database)).toBe(count);
    expect(await records(registry, 'written')).toBe(count);
    expect(await records(registry, 'duplicate')).toBe(10);
    const stored = await database.db.selectFrom('usage_records').select(['request_id', 'output_tokens']).execute();
    const byId = new Map(stored.map((row) => [row.request_id, row.output_tokens]));
    for (const [index, record] of originals.entries()) expect(byId.get(record.requestId)).toBe(index);
  });

  it('writes what the response cache did and what a hit saved', async () => {
    const bus = await start();
    const hit = usageRecord(uniqueName('cache-hit'), { cacheStatus: 'hit', costUsd: 0, costSavedUsd: 0.0042 });
    const miss = usageRecord(uniqueName('cache-miss'), { cacheStatus: 'miss', costSavedUsd: null });
    const off = usageRecord(uniqueName('cache-off'));
    for (const record of [hit, miss, off]) await publish(bus, record);
    await waitFor(async () => (await rowCount(database)) === 3, 'the three records');
    const stored = await database.db.selectFrom('usage_records').select(['request_id', 'cache_status', 'cost_saved_usd']).execute();
    const byId = new Map(stored.map((row) => [row.request_id, [row.cache_status, row.cost_saved_usd === null ? null : Number(row.cost_saved_usd)]]));
    expect(byId.get(hit.requestId)).toEqual(['hit', 0.0042]);
    expect(byId.get(miss.requestId)).toEqual(['miss', null]);
    expect(byId.get(off.requestId)).toEqual([null, null]);
  });

  it('writes the guardrail verdicts, never more than the contract carries', async () => {
    const bus = await start();
    const verdicts: GuardrailVerdict[] = [
      { policy: 'pii-safe', check: 'pii', index: 0, action: 'redact', verdict: 'redact', entities: { EMAIL_ADDRESS: 1 } },
      { policy: 'pii-safe', check: 'prompt_injection', index: 1, action: 'deny', verdict: 'pass', score: 0.05 },
    ];
    const guarded = usageRecord(uniqueName('guarded'), { guardrails: verdicts });
    // A producer that put a found value in a verdict: the contract has no such field, so it is dropped.
    const leaky = usageRecord(uniqueName('leaky'), { guardrails: [{ ...verdicts[0]!, found: 'alice@example.com' } as GuardrailVerdict] });
    const unguarded = usageRecord(uniqueName('unguarded'));
    for (const record of [guarded, leaky, unguarded]) await publish(bus, record);
    await waitFor(async () => (await rowCount(database)) === 3, 'the three records');
    const stored = await database.db.selectFrom('usage_records').select(['request_id', 'guardrails']).execute();
    const byId = new Map(stored.map((row) => [row.request_id, row.guardrails]));
    expect(byId.get(guarded.requestId)).toEqual(verdicts);
    expect(byId.get(leaky.requestId)).toEqual([verdicts[0]]);
    expect(byId.get(unguarded.requestId)).toBeNull();
  });

  it('writes the logged prompt and completion a record carries into usage_bodies, once', async () => {
    const bus = await start();
    const bodies = { prompt: 'user:\nhi <SECRET_1>', completion: 'Echo: hi', promptTruncated: false, completionTruncated: false };
    const logged = usageRecord(uniqueName('logged'), { bodies });
    const plain = usageRecord(uniqueName('plain'));
    for (const record of [logged, plain]) await publish(bus, record);
    // Published again after the de-duplication window: the bodies stay as first written.
    await publish(bus, { ...logged, bodies: { ...bodies, prompt: 'changed' } }, `${logged.requestId}:late`);
    await waitFor(async () => (await records(registry, 'written')) + (await records(registry, 'duplicate')) >= 3, 'the three messages');
    const stored = await database.db.selectFrom('usage_bodies').selectAll().execute();
    expect(stored).toEqual([
      { request_id: logged.requestId, created_at: new Date(logged.createdAt), prompt: bodies.prompt, completion: bodies.completion, prompt_truncated: false, completion_truncated: false },
    ]);
  });

  it('leaves records for redelivery while inserts fail and writes them once the database works', async () => {
    const bus = await start();
    await sql`alter table usage_records rename to usage_records_paused`.execute(database.db);
    try {
      const published = Array.from({ length: 15 }, (_, index) => usageRecord(uniqueName(`outage${index}`)));
      for (const record of published) await publish(bus, record);
      await waitFor(async () => (await failedBatches(registry)) >= 2, 'the failing batch to be delivered again');
      expect(await records(registry, 'written')).toBe(0);
    } finally {
      await sql`alter table usage_records_paused rename to usage_records`.execute(database.db);
    }
    await waitFor(async () => (await rowCount(database)) === 15, 'the redelivered records to be written');
    expect(await records(registry, 'written')).toBe(15);
  });

  it('keeps records while the database is down and writes them when it comes up', async () => {
    const laterUrl = databaseUrlWithName(testServiceUrls().databaseUrl, uniqueName('ledger_down'));
    const unreachable = await createDatabase({ url: laterUrl, poolSize: 2 });
    try {
      const bus = await start({ database: unreachable });
      for (let index = 0; index < 5; index += 1) await publish(bus, usageRecord(uniqueName(`down${index}`)));
      await waitFor(async () => (await failedBatches(registry)) >= 1, 'a write to fail');

      await ensureDatabaseExists(laterUrl);
      await migrateToLatest(unreachable.db);
      await waitFor(async () => (await rowCount(unreachable)) === 5, 'the records to be written after the outage');
      expect(await records(registry, 'written')).toBe(5);
      await ledger?.stop();
      ledger = undefined;
    } finally {
      await unreachable.close();
      await dropDatabase(laterUrl);
    }
  });

  it('drops only a record the database can never store, and stamps an unreadable time', async () => {
    const bus = await start();
    const good = Array.from({ length: 4 }, (_, index) => usageRecord(uniqueName(`good${index}`)));
    const tooLarge = usageRecord(uniqueName('too-large'), { inputTokens: 3_000_000_000 });
    const badTime = usageRecord(uniqueName('bad-time'), { createdAt: 'not a time' });
    for (const record of [good[0]!, tooLarge, ...good.slice(1), badTime]) await publish(bus, record);

    await waitFor(async () => (await rowCount(database)) === 5 && (await records(registry, 'rejected')) === 1, 'the good records');
    expect(await failedBatches(registry)).toBe(0);
    const stamped = await database.db.selectFrom('usage_records').select('created_at').where('request_id', '=', badTime.requestId).executeTakeFirstOrThrow();
    expect(Math.abs(stamped.created_at.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("moves each key's last use forward to its latest record", async () => {
    const bus = await start();
    const [first, second] = await Promise.all([createKey(database.db, { name: 'first' }), createKey(database.db, { name: 'second' })]);
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const published = [
      usageRecord(uniqueName('use'), { keyId: first.record.id, createdAt: minutesAgo(3) }),
      usageRecord(uniqueName('use'), { keyId: first.record.id, createdAt: minutesAgo(1) }),
      usageRecord(uniqueName('use'), { keyId: first.record.id, createdAt: minutesAgo(2) }),
      usageRecord(uniqueName('use'), { keyId: second.record.id, createdAt: minutesAgo(5) }),
      usageRecord(uniqueName('use'), { keyId: null }),
      usageRecord(uniqueName('use'), { keyId: 'key_deleted_meanwhile' }),
    ];
    for (const record of published) await publish(bus, record);
    await waitFor(async () => (await rowCount(database)) === published.length, 'the usage records');
    const lastUsedOf = async (id: string) => (await getKey(database.db, id))?.lastUsedAt?.toISOString();
    await waitFor(
      async () => (await lastUsedOf(first.record.id)) === published[1]!.createdAt && (await lastUsedOf(second.record.id)) === published[3]!.createdAt,
      'the keys to show their last use',
    );

    // A late record of an older use never moves the time back.
    await publish(bus, usageRecord(uniqueName('late'), { keyId: first.record.id, createdAt: minutesAgo(10) }));
    await waitFor(async () => (await rowCount(database)) === published.length + 1, 'the late record');
    await ledger!.stop();
    ledger = undefined;
    expect(await lastUsedOf(first.record.id)).toBe(published[1]!.createdAt);
    expect(await lastUsedOf(second.record.id)).toBe(published[3]!.createdAt);
    expect(await lastUsedFailures(registry)).toBe(0);
  });

  it('writes usage even when the last use cannot be recorded, and counts the failure', async () => {
    const bus = await start();
    const { record: key } = await createKey(database.db, { name: 'unrecordable' });
    await sql`alter table gateway_keys rename to gateway_keys_paused`.execute(database.db);
    try {
      for (let index = 0; index < 3; index += 1) await publish(bus, usageRecord(uniqueName(`unrecorded${index}`), { keyId: key.id }));
      await waitFor(async () => (await rowCount(database)) === 3 && (await lastUsedFailures(registry)) >= 1, 'the records and a failed update');
      expect(await failedBatches(registry)).toBe(0);
      expect(await records(registry, 'written')).toBe(3);
      await ledger!.stop();
      ledger = undefined;
    } finally {
      await sql`alter table gateway_keys_paused rename to gateway_keys`.execute(database.db);
    }
    expect((await getKey(database.db, key.id))?.lastUsedAt).toBeNull();
  });

  it('picks up what was published while it was stopped', async () => {
    const bus = await start();
    await ledger!.stop();
    ledger = undefined;
    for (let index = 0; index < 5; index += 1) await publish(bus, usageRecord(uniqueName(`stopped${index}`)));
    ledger = await startLedger({ bus, database, logger, metrics: { registry }, ...fastConsume });
    await waitFor(async () => (await rowCount(database)) === 5, 'the records published while stopped');
  });
});

describe('ledger embedded (memory bus, PGlite)', () => {
  let directory: string;
  let database: Database;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ledger-pglite-'));
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes each request once', async () => {
    const bus = createMemoryBus({ logger });
    const registry = new Registry();
    const ledger = await startLedger({ bus, database, logger, metrics: { registry }, ...fastConsume });
    try {
      const published = Array.from({ length: 10 }, (_, index) => usageRecord(`embedded-${index}`));
      for (const record of published) await publish(bus, record);
      for (const record of published.slice(0, 3)) await publish(bus, record, `${record.requestId}:again`);
      await waitFor(async () => (await records(registry, 'written')) + (await records(registry, 'duplicate')) === 13, 'every message');
      expect(await rowCount(database)).toBe(10);
    } finally {
      await ledger.stop();
      await bus.close();
    }
  });

  it('deletes logged bodies and usage records past their retention at start, and counts them', async () => {
    const bus = createMemoryBus({ logger });
    const registry = new Registry();
    const bodies = { prompt: 'user:\nhello', completion: 'Echo: hello', promptTruncated: false, completionTruncated: false };
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    await insertUsageRecords(database.db, [
      usageRecord('retained-old', { createdAt: ago(50), bodies }),
      usageRecord('retained-month', { createdAt: ago(31), bodies }),
      usageRecord('retained-new', { createdAt: ago(1), bodies }),
    ]);
    const ledger = await startLedger({ bus, database, logger, metrics: { registry }, ...fastConsume, retention: { bodyDays: 30, usageDays: 40 } });
    try {
      const deleted = async (table: string) => ((await (registry.getSingleMetric('gateway_retention_deleted_total') as Counter<'table'>).get()).values.find((value) => value.labels.table === table)?.value ?? 0);
      await waitFor(async () => (await deleted('usage_records')) === 1, 'the retention run at start');
      const ids = async (table: 'usage_records' | 'usage_bodies') =>
        (await database.db.selectFrom(table).select('request_id').where('request_id', 'like', 'retained-%').orderBy('request_id').execute()).map((row) => row.request_id);
      // Records older than 40 days go; bodies older than 30 days (the old one's with its record).
      expect(await ids('usage_records')).toEqual(['retained-month', 'retained-new']);
      expect(await ids('usage_bodies')).toEqual(['retained-new']);
      expect(await deleted('usage_bodies')).toBe(2);
    } finally {
      await ledger.stop();
      await bus.close();
    }
  });
});
