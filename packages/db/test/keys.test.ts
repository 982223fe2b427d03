import { describe, expect, it } from 'vitest';
import {
  createKey,
  findKeyByPlaintext,
  getKey,
  hashGatewayKey,
  keyState,
  listKeys,
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

/** Same shape as a real key, never issued. */
function generateLookalike(): string {
  return `gw-${'A'.repeat(43)}`;
}
