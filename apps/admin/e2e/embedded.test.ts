import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '@gateway/bus';
import { configChanged, type ConfigChanged } from '@gateway/contracts';
import { createDatabase, createSecretBox, findKeyByPlaintext, insertUsageRecords, migrateToLatest, type Database } from '@gateway/db';
import { createLogger } from '@gateway/telemetry';
import { ensureAdminBuild } from '../src/build.ts';
import { parseEnvironment } from '@gateway/config';
import { readFile } from 'node:fs/promises';
import { startAdminInProcess } from '../src/in-process.ts';
import type { RunningAdmin } from '../src/server.ts';
import { usageRecord } from '../test/support/database.ts';

/**
 * Embedded mode: the dashboard served in the process that owns the PGlite database and the in-process
 * bus, through the very handles the gateway uses (PGlite allows one process per data directory).
 */
describe('admin dashboard on PGlite and the in-process bus', () => {
  let directory: string;
  let database: Database;
  let server: RunningAdmin & { users: string };
  let browser: Browser;
  const bus = createMemoryBus();
  const events: ConfigChanged[] = [];

  beforeAll(async () => {
    await ensureAdminBuild();
    directory = await mkdtemp(join(tmpdir(), 'gateway-admin-embedded-'));
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    await migrateToLatest(database.db);
    bus.subscribe(configChanged, (event) => {
      events.push(event);
    });
    // As the launcher does: the gateway's environment, its handles, no GATEWAY_ADMIN_* set.
    const source = { GATEWAY_DATA_DIR: directory, ADMIN_PORT: '0', ADMIN_HOST: '127.0.0.1' };
    server = await startAdminInProcess({
      environment: parseEnvironment(source as unknown as NodeJS.ProcessEnv),
      source,
      database,
      bus,
      secretBox: createSecretBox(randomBytes(32).toString('base64')),
      configSource: 'gateway.yaml',
      logger: createLogger({ service: 'admin', level: 'warn' }),
      embedded: true,
      // As the launcher should: the gateway's API need not wait for the dashboard's first build.
      background: true,
    });
    await server.ready;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await bus.close();
    await database?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  }, 60_000);

  it('answers its probe, signs in, creates a key the gateway finds, and shows usage', async () => {
    // The first admin's password is in the data directory; the banner names the file, not the password.
    const password = (await readFile(join(directory, 'admin-password'), 'utf8')).trim();
    expect(server.users).toBe(`first admin created (admin@localhost, password in ${join(directory, 'admin-password')})`);
    const probe = await fetch(`${server.url}/healthz`);
    expect([probe.status, await probe.json()]).toEqual([200, { ready: true }]);

    const page = await browser.newPage({ baseURL: server.url });
    await page.goto('/sign-in');
    await page.fill('input[name=email]', 'admin@localhost');
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/');

    await page.goto('/keys');
    await page.fill('[data-testid=create-key-form] input[name=name]', 'embedded app');
    await page.click('[data-testid=create-key-form] button[type=submit]');
    const key = (await page.locator('[data-testid=created-key] code').textContent()) ?? '';
    const record = await findKeyByPlaintext(database.db, key);
    expect(record?.name).toBe('embedded app');
    expect(events).toEqual([{ entity: 'key', id: record?.id, action: 'created' }]);

    await insertUsageRecords(database.db, [usageRecord('req_embedded', { createdAt: new Date().toISOString(), keyId: record!.id, inputTokens: 7, outputTokens: 8 })]);
    await page.goto(`/?range=1h&key=${record!.id}`);
    expect(await page.textContent('[data-testid=total-requests] .value')).toBe('1');
    expect(await page.textContent('[data-testid=total-tokens] .value')).toBe('15');
    await page.goto('/requests');
    expect(await page.textContent('[data-testid=requests-table]')).toContain('req_embedded');
  });
});
