import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '@gateway/bus';
import { createAdminUser, createKey, createSecretBox, listAudit, listKeys } from '@gateway/db';
import { createLogger } from '@gateway/telemetry';
import { installAdminHost } from '../src/host.ts';
import { audit, inTransaction } from '../src/lib/audit.ts';
import type { SignedIn } from '../src/lib/auth/session.ts';
import { openMigratedDatabase, type Backend } from './support/database.ts';

/**
 * The dashboard's actions store a change and its audit entry in one transaction (`inTransaction`):
 * when the entry cannot be written, the change is not kept either; on PGlite's single connection too.
 */
describe.each<Backend>(['postgres', 'pglite'])('a change and its audit entry together on %s', (backend) => {
  let test: Awaited<ReturnType<typeof openMigratedDatabase>>;

  beforeAll(async () => {
    test = await openMigratedDatabase(backend);
    installAdminHost({
      database: test.database,
      bus: await createBus({ name: 'admin-audit-test' }),
      secretBox: createSecretBox(randomBytes(32).toString('base64')),
      settings: { sessionLifetimeMs: 3_600_000, secureCookies: 'never', configSource: 'test', trustedProxies: [] },
      logger: createLogger({ service: 'admin', level: 'silent' }),
      probeProvider: () => Promise.resolve({ ok: false, message: 'not in this test' }),
    });
  }, 60_000);
  afterEach(async () => {
    await test.clean();
  });
  afterAll(async () => {
    installAdminHost(undefined);
    await test?.dispose();
  });

  const signIn = async (email: string | null): Promise<SignedIn> => {
    const user = await createAdminUser(test.database.db, { email: `admin-${backend}@example.com`, role: 'admin', passwordHash: 'x' });
    return { token: 't', csrfToken: 'c', session: { id: 's', userId: user.id, email: email as string, role: 'admin', createdAt: new Date(), expiresAt: new Date() } };
  };

  it('keeps both when both are written', async () => {
    const signedIn = await signIn(`admin-${backend}@example.com`);
    const created = await inTransaction(async (db) => {
      const key = await createKey(db, { name: 'kept' });
      await audit(signedIn, 'key.create', { type: 'key', id: key.record.id }, { name: 'kept' }, db);
      return key.record;
    });
    expect((await listKeys(test.database.db)).map((key) => key.id)).toEqual([created.id]);
    expect((await listAudit(test.database.db, { limit: 10 })).entries).toEqual([expect.objectContaining({ action: 'key.create', targetId: created.id })]);
  });

  it('keeps neither when the audit entry cannot be written', async () => {
    // An actor without an email breaks the audit log's NOT NULL: the entry fails after the key was inserted.
    const signedIn = await signIn(null);
    await expect(
      inTransaction(async (db) => {
        const key = await createKey(db, { name: 'rolled back' });
        await audit(signedIn, 'key.create', { type: 'key', id: key.record.id }, {}, db);
      }),
    ).rejects.toThrow();
    expect(await listKeys(test.database.db)).toEqual([]);
    expect((await listAudit(test.database.db, { limit: 10 })).entries).toEqual([]);
  });
});
