import { describe, expect, it } from 'vitest';
import {
  createKey,
  findKeyByPlaintext,
  getKey,
  hashGatewayKey,
  hasLimits,
  insertUsageRecords,
  keyState,
  ledgerSpend,
  listKeys,
  listKeysWithBudgets,
  revokeKey,
  touchKeyLastUsed,
  touchKeysLastUsed,
  updateKey,
} from '../src/index.ts';
import { backends, useMigratedDatabase } from './harness.ts';

describe.each(backends)('gateway keys on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  it('creates a key, stores only its hash, and finds it by the plaintext', async () => {
    const db = test.database.db;
    const { record, plaintextKey } = await createKey(db, { name: 'ci', models: ['gpt-4o'], metadata: { team: 'search' } });
    expect(plaintextKey).toMatch(/^gw-[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({
      name: 'ci',
      keyPrefix: plaintextKey.slice(0, 10),
      models: ['gpt-4o'],
      metadata: { team: 'search' },
      logBodies: false,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(record.id).toMatch(/^key_/);
    expect(record.createdAt).toBeInstanceOf(Date);
    expect(JSON.stringify(record)).not.toContain(plaintextKey);

    const row = await db.selectFrom('gateway_keys').selectAll().where('id', '=', record.id).executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashGatewayKey(plaintextKey));
    expect(JSON.stringify(row)).not.toContain(plaintextKey);

    expect(await findKeyByPlaintext(db, plaintextKey)).toEqual(record);
    expect(await getKey(db, record.id)).toEqual(record);
    expect(keyState(record)).toBe('active');
  });

  it('turns body logging on at creation and off by an update, keeping it when an update leaves it out', async () => {
    const db = test.database.db;
    const { record } = await createKey(db, { name: 'logged', logBodies: true });
    expect(record.logBodies).toBe(true);
    expect((await updateKey(db, record.id, { name: 'renamed' }))?.logBodies).toBe(true);
    expect((await updateKey(db, record.id, { logBodies: false }))?.logBodies).toBe(false);
    expect((await getKey(db, record.id))?.logBodies).toBe(false);
  });

  it('finds nothing for unknown or SQL-shaped keys, and they change nothing', async () => {
    const db = test.database.db;
    await createKey(db, { name: 'one' });
    for (const attempt of ["' OR '1'='1", "gw-x' OR 1=1 --", "'; drop table gateway_keys; --", '', generateLookalike()]) {
      expect(await findKeyByPlaintext(db, attempt)).toBeUndefined();
    }
    expect(await listKeys(db)).toHaveLength(1);
  });

  it('lists keys newest first with null models meaning every model', async () => {
    const db = test.database.db;
    const first = await createKey(db, { name: 'first' });
    const second = await createKey(db, { name: 'second' });
    const keys = await listKeys(db);
    expect(keys.map((key) => key.id).sort()).toEqual([first.record.id, second.record.id].sort());
    expect(keys.every((key) => key.models === null && Object.keys(key.metadata).length === 0)).toBe(true);
    expect(keys[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(keys[1]!.createdAt.getTime());
  });

  it('revokes once, keeping the first revocation time, and still finds the revoked key', async () => {
    const db = test.database.db;
    const { record, plaintextKey } = await createKey(db, { name: 'to revoke' });
    const revokedAt = new Date('2030-01-01T00:00:00.000Z');
    const revoked = await revokeKey(db, record.id, revokedAt);
    expect(revoked?.revokedAt).toEqual(revokedAt);
    const again = await revokeKey(db, record.id, new Date('2031-01-01T00:00:00.000Z'));
    expect(again?.revokedAt).toEqual(revokedAt);
    const found = await findKeyByPlaintext(db, plaintextKey);
    expect(found && keyState(found)).toBe('revoked');
    expect(await revokeKey(db, 'key_missing')).toBeUndefined();
  });

  it('updates only the given fields and reports expiry', async () => {
    const db = test.database.db;
    const { record } = await createKey(db, { name: 'before', models: ['a'], metadata: { x: 1 } });
    const expiresAt = new Date(Date.now() - 1000);
    expect(record.strict).toBe(false);
    const updated = await updateKey(db, record.id, { name: 'after', expiresAt, strict: true });
    expect(updated).toMatchObject({ name: 'after', models: ['a'], metadata: { x: 1 }, expiresAt, strict: true });
    expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(record.updatedAt.getTime());
    expect(keyState(updated!)).toBe('expired');

    const cleared = await updateKey(db, record.id, { models: null, metadata: { nested: { snake_case: true } }, expiresAt: null });
    expect(cleared).toMatchObject({ name: 'after', models: null, metadata: { nested: { snake_case: true } }, expiresAt: null, strict: true });
    expect(await updateKey(db, 'key_missing', { name: 'x' })).toBeUndefined();
  });

  it('records the last use without moving it backwards', async () => {
    const db = test.database.db;
    const { record } = await createKey(db, { name: 'used' });
    const later = new Date('2030-06-01T12:00:00.000Z');
    await touchKeyLastUsed(db, record.id, later);
    await touchKeyLastUsed(db, record.id, new Date('2030-01-01T00:00:00.000Z'));
    expect((await getKey(db, record.id))?.lastUsedAt).toEqual(later);
  });

  it('records the last use of several keys in one call, only ever moving it forward', async () => {
    const db = test.database.db;
    const [first, second, untouched] = await Promise.all(['first', 'second', 'untouched'].map(async (name) => (await createKey(db, { name })).record));
    const early = new Date('2030-01-01T00:00:00.000Z');
    const late = new Date('2030-06-01T12:00:00.250Z');
    await touchKeysLastUsed(db, new Map([[first!.id, late], [second!.id, early]]));
    // An older batch handled later, a newer time for the second key, and a key that does not exist.
    await touchKeysLastUsed(db, new Map([[first!.id, early], [second!.id, late], ['key_missing', late]]));
    await touchKeysLastUsed(db, new Map());
    expect((await getKey(db, first!.id))?.lastUsedAt).toEqual(late);
    expect((await getKey(db, second!.id))?.lastUsedAt).toEqual(late);
    expect((await getKey(db, untouched!.id))?.lastUsedAt).toBeNull();
  });
});

describe.each(backends)('key limits and budgets on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  it('stores limits, a budget and per-model limits, and returns them', async () => {
    const db = test.database.db;
    const { record } = await createKey(db, {
      name: 'limited',
      limits: { rpmLimit: 60, tpmLimit: 10_000, maxParallel: 4, budget: { maxUsd: 12.5, period: 'weekly' } },
      modelLimits: { 'gpt-4o': { rpmLimit: 5, budget: { maxUsd: 0.25, period: 'daily' } }, cheap: { maxParallel: 1 } },
    });
    expect(record.limits).toEqual({ rpmLimit: 60, tpmLimit: 10_000, maxParallel: 4, budget: { maxUsd: 12.5, period: 'weekly' } });
    expect(record.modelLimits).toEqual({ 'gpt-4o': { rpmLimit: 5, budget: { maxUsd: 0.25, period: 'daily' } }, cheap: { maxParallel: 1 } });
    expect(await getKey(db, record.id)).toEqual(record);
    const row = await db.selectFrom('gateway_keys').select(['model_limits', 'budget_max_usd']).where('id', '=', record.id).executeTakeFirstOrThrow();
    // Stored snake_case, like the admin API.
    expect(row.model_limits).toEqual({ 'gpt-4o': { rpm_limit: 5, budget: { max_usd: 0.25, period: 'daily' } }, cheap: { max_parallel: 1 } });
    expect(Number(row.budget_max_usd)).toBe(12.5);
    expect(hasLimits(record)).toBe(true);
  });

  it('defaults to no limits, and an update changes only the kinds it names', async () => {
    const db = test.database.db;
    const { record } = await createKey(db, { name: 'plain' });
    expect(record.limits).toEqual({ rpmLimit: null, tpmLimit: null, maxParallel: null, budget: null });
    expect(record.modelLimits).toBeNull();
    expect(hasLimits(record, 'gpt-4o')).toBe(false);

    const limited = await updateKey(db, record.id, { limits: { rpmLimit: 10, budget: { maxUsd: 1, period: 'monthly' } }, modelLimits: { fast: { tpmLimit: 100 } } });
    expect(limited?.limits).toEqual({ rpmLimit: 10, tpmLimit: null, maxParallel: null, budget: { maxUsd: 1, period: 'monthly' } });
    const again = await updateKey(db, record.id, { limits: { maxParallel: 2 } });
    expect(again?.limits).toEqual({ rpmLimit: 10, tpmLimit: null, maxParallel: 2, budget: { maxUsd: 1, period: 'monthly' } });
    expect(again?.modelLimits).toEqual({ fast: { tpmLimit: 100 } });
    const cleared = await updateKey(db, record.id, { limits: { rpmLimit: null, maxParallel: null, budget: null }, modelLimits: null });
    expect(cleared?.limits).toEqual({ rpmLimit: null, tpmLimit: null, maxParallel: null, budget: null });
    expect(cleared?.modelLimits).toBeNull();
  });

  it('says whether a key has limits for a model', async () => {
    const db = test.database.db;
    const { record } = await createKey(db, { name: 'per model', modelLimits: { fast: { rpmLimit: 1 } } });
    expect(hasLimits(record, 'fast')).toBe(true);
    expect(hasLimits(record, 'slow')).toBe(false);
    expect(hasLimits(record)).toBe(false);
  });

  it('lists the unrevoked keys with a budget of their own or per model', async () => {
    const db = test.database.db;
    const own = await createKey(db, { name: 'own', limits: { budget: { maxUsd: 1, period: 'daily' } } });
    const perModel = await createKey(db, { name: 'per model', modelLimits: { fast: { budget: { maxUsd: 2, period: 'monthly' } } } });
    await createKey(db, { name: 'rpm only', limits: { rpmLimit: 5 }, modelLimits: { fast: { rpmLimit: 1 } } });
    const revoked = await createKey(db, { name: 'revoked', limits: { budget: { maxUsd: 1, period: 'daily' } } });
    await revokeKey(db, revoked.record.id);
    const listed = await listKeysWithBudgets(db);
    expect(listed.map((key) => key.id).sort()).toEqual([own.record.id, perModel.record.id].sort());
  });

  it('sums the ledger spend per key and model over a period', async () => {
    const db = test.database.db;
    const record = (requestId: string, keyId: string, model: string | null, costUsd: number | null, createdAt: string) => ({
      requestId,
      clientRequestId: null,
      createdAt,
      keyId,
      model,
      provider: 'fake',
      providerModel: model,
      endpoint: 'chat' as const,
      stream: false,
      inputTokens: 1,
      outputTokens: 1,
      costUsd,
      latencyMs: 1,
      overheadMs: 1,
      status: 200,
      errorCode: null,
      attempts: 1,
    });
    await insertUsageRecords(db, [
      record('r1', 'key_a', 'fast', 0.25, '2030-03-10T00:00:00.000Z'),
      record('r2', 'key_a', 'fast', 0.5, '2030-03-10T23:59:59.999Z'),
      record('r3', 'key_a', 'slow', 1, '2030-03-10T12:00:00.000Z'),
      record('r4', 'key_a', 'fast', null, '2030-03-10T12:00:00.000Z'),
      record('r5', 'key_a', 'fast', 8, '2030-03-11T00:00:00.000Z'),
      record('r6', 'key_b', 'fast', 2, '2030-03-10T06:00:00.000Z'),
      record('r7', 'key_c', 'fast', 4, '2030-03-10T06:00:00.000Z'),
    ]);
    const spend = await ledgerSpend(db, ['key_a', 'key_b'], new Date('2030-03-10T00:00:00.000Z'), new Date('2030-03-11T00:00:00.000Z'));
    const sorted = [...spend].sort((left, right) => `${left.keyId}${left.model}`.localeCompare(`${right.keyId}${right.model}`));
    expect(sorted).toEqual([
      { keyId: 'key_a', model: 'fast', costUsd: 0.75 },
      { keyId: 'key_a', model: 'slow', costUsd: 1 },
      { keyId: 'key_b', model: 'fast', costUsd: 2 },
    ]);
    expect(await ledgerSpend(db, [], new Date(0), new Date())).toEqual([]);
  });
});

/** Same shape as a real key, never issued. */
function generateLookalike(): string {
  return `gw-${'A'.repeat(43)}`;
}
