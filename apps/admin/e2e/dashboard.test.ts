import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '@gateway/bus';
import { cachePurge, configChanged, guardrailCheckSchema, routerHealth, type CachePurgeRequest, type ConfigChanged, type UsageRecord } from '@gateway/contracts';
import {
  createAdminUser,
  createKey,
  createSecretBox,
  findKeyByPlaintext,
  getCacheSettings,
  getGuardrailPolicy,
  getKey,
  getModel,
  getProviderWithSecrets,
  insertUsageRecords,
  keyState,
  listAdminUsers,
  listAudit,
  putCacheSettings,
  recordAudit,
  revokeKey,
  upsertGuardrailPolicy,
  upsertModel,
  upsertProvider,
} from '@gateway/db';
import { createLogger } from '@gateway/telemetry';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import { ensureAdminBuild } from '../src/build.ts';
import { defaultTrustedProxies } from '../src/lib/auth/client-address.ts';
import { hashPassword } from '../src/lib/auth/password.ts';
import { startAdminServer, type RunningAdmin } from '../src/server.ts';
import { openMigratedDatabase, usageRecord } from '../test/support/database.ts';

/**
 * The dashboard end to end: the production build served by its own server on a real Postgres and
 * NATS, driven by Debian's Chromium. Each page's screenshot goes to docs/admin/ for docs/admin.md.
 */
const screenshots = fileURLToPath(new URL('../../../docs/admin/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const admin = { email: 'admin@example.com', password: 'correct horse battery staple' };
const viewer = { email: 'viewer@example.com', password: 'viewer password 123' };
const xss = '<img src=x onerror=alert(1)>';

let server: RunningAdmin;
let browser: Browser;
let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
let bus: Awaited<ReturnType<typeof createBus>>;
const events: ConfigChanged[] = [];
const dialogs: string[] = [];
let adminContext: BrowserContext;
let adminPage: Page;
/** The key created through the form, as shown once. */
let createdKey: { id: string; key: string };

const db = () => database.database.db;
const secretBox = createSecretBox(randomBytes(32).toString('base64'));

async function newSignedInPage(user: { email: string; password: string }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  // Any alert, confirm or prompt is recorded: logged content must never run as script.
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.accept();
  });
  await page.goto('/sign-in');
  await page.fill('input[name=email]', user.email);
  await page.fill('input[name=password]', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.pathname === '/');
  return { context, page };
}

/** Usage over the last day, so the overview has something to draw (fixed pseudo-random values). */
function backgroundUsage(now: number): UsageRecord[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  return Array.from({ length: 240 }, (_, index) => {
    const model = next() < 0.6 ? 'fast' : 'smart';
    const failed = next() < 0.06;
    const cache = next();
    const cacheStatus = cache < 0.3 ? 'hit' : cache < 0.4 ? 'semantic_hit' : cache < 0.85 ? 'miss' : null;
    const check = next();
    const outcome = check < 0.04 ? 'deny' : check < 0.12 ? 'redact' : check < 0.16 ? 'flag' : 'pass';
    return usageRecord(`req_bg_${String(index).padStart(3, '0')}`, {
      // Every 5 minutes over the 20 hours before the run: all inside the overview's 24 hours however long the run takes.
      createdAt: new Date(now - (index + 1) * 5 * 60_000 + Math.floor(next() * 60_000)).toISOString(),
      keyId: 'key_background',
      model,
      provider: model === 'fast' ? 'openai-main' : 'anthropic-main',
      providerModel: model === 'fast' ? 'gpt-4o-mini' : 'claude-sonnet-4',
      inputTokens: 200 + Math.floor(next() * 800),
      outputTokens: 50 + Math.floor(next() * 400),
      latencyMs: (model === 'fast' ? 300 : 900) + next() * 1200,
      status: failed ? 502 : 200,
      errorCode: failed ? 'provider_error' : null,
      costUsd: Number((0.0002 + next() * 0.003).toFixed(8)),
      cacheStatus,
      costSavedUsd: cacheStatus === 'hit' || cacheStatus === 'semantic_hit' ? 0.002 : null,
      guardrails: [{ policy: 'default', check: outcome === 'deny' ? 'prompt_injection' : 'pii', index: 0, action: outcome === 'deny' ? 'deny' : 'redact', verdict: outcome }],
    });
  });
}

describe('admin dashboard in Chromium', () => {
  beforeAll(async () => {
    await ensureAdminBuild();
    await mkdir(screenshots, { recursive: true });
    database = await openMigratedDatabase('postgres');
    bus = await createBus({ name: 'admin-e2e', natsUrl: testServiceUrls().natsUrl, namespace: uniqueName('admin_e2e') });
    bus.subscribe(configChanged, (event) => {
      events.push(event);
    });
    await upsertProvider(db(), secretBox, { name: 'openai-main', type: 'openai', apiKey: 'sk-file-secret-value', source: 'file' });
    await upsertModel(db(), { name: 'fast', strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini' }], source: 'file' });
    await upsertGuardrailPolicy(db(), {
      name: 'pii-strict',
      checks: [guardrailCheckSchema.parse({ type: 'pii', action: 'redact' }), guardrailCheckSchema.parse({ type: 'prompt_injection', action: 'deny' })],
      onError: 'fail_closed',
      source: 'file',
    });
    server = await startAdminServer({
      database: database.database,
      bus,
      secretBox,
      settings: { sessionLifetimeMs: 3_600_000, secureCookies: 'auto', configSource: 'gateway.yaml', grafanaUrl: 'http://127.0.0.1:3001', trustedProxies: defaultTrustedProxies },
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ service: 'admin', level: 'warn' }),
      firstAdmin: admin,
      build: false,
    });
    await createAdminUser(db(), { email: viewer.email, role: 'viewer', passwordHash: await hashPassword(viewer.password) });
    await insertUsageRecords(db(), backgroundUsage(Date.now()));
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await bus?.close();
    await database?.dispose();
  }, 60_000);

  it('keeps everyone out without a session, a forged x-middleware-subrequest header included', async () => {
    const forged = ['middleware', 'src/middleware', 'middleware:middleware:middleware:middleware:middleware', 'src/middleware:src/middleware:src/middleware:src/middleware:src/middleware'];
    for (const path of ['/', '/keys', '/requests', '/users']) {
      for (const header of [undefined, ...forged]) {
        const response = await fetch(`${server.url}${path}`, { redirect: 'manual', headers: header ? { 'x-middleware-subrequest': header } : {} });
        expect(response.status, `${path} with ${header ?? 'no header'}`).toBe(307);
        // Next.js writes a loopback host as localhost: same server, same port.
        const location = new URL(response.headers.get('location') ?? '', server.url);
        expect([location.hostname.replace('localhost', '127.0.0.1'), location.port, location.pathname]).toEqual(['127.0.0.1', new URL(server.url).port, '/sign-in']);
      }
    }
    // A cookie that names no session gets past the middleware's presence check, and no further.
    for (const header of forged) {
      const response = await fetch(`${server.url}/keys`, { redirect: 'manual', headers: { cookie: 'gateway_admin_session=forged', 'x-middleware-subrequest': header } });
      expect(response.status).toBe(307);
      expect(await response.text()).not.toContain('keys-table');
    }
    const signInPage = await fetch(`${server.url}/sign-in`);
    expect(signInPage.headers.get('x-frame-options')).toBe('DENY');
    expect(signInPage.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const signOut = await fetch(`${server.url}/sign-out`, { method: 'POST', redirect: 'manual', headers: { 'x-middleware-subrequest': forged[2]! } });
    expect(signOut.status).toBe(403);
  });

  it('signs in the first admin from the environment, and refuses a wrong password', async () => {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.screenshot({ path: `${screenshots}sign-in.png` });
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('.message.error').textContent()).toContain('Wrong email or password');
    await context.close();
    const failures = await listAudit(db(), { limit: 10, action: 'user.sign_in_failed' });
    expect(failures.entries.map((entry) => [entry.actorEmail, entry.details])).toEqual([[admin.email, { address: '127.0.0.1' }]]);

    // Ten failures in fifteen minutes from one address (from any replica: they are counted in the audit
    // log) lock the account for that address; the real user elsewhere still signs in.
    const locked = await createAdminUser(db(), { email: 'locked@example.com', role: 'viewer', passwordHash: await hashPassword('locked password 1') });
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await recordAudit(db(), { actorId: null, actorEmail: locked.email, action: 'user.sign_in_failed', targetType: 'user', targetId: locked.id, details: { address: '127.0.0.1' } });
    }
    const signInAs = async (headers: Record<string, string>) => {
      const context = await browser.newContext({ baseURL: server.url, extraHTTPHeaders: headers });
      const page = await context.newPage();
      await page.goto('/sign-in');
      await page.fill('input[name=email]', locked.email);
      await page.fill('input[name=password]', 'locked password 1');
      await page.click('button[type=submit]');
      return { context, page };
    };
    const lockedHere = await signInAs({});
    await expect.poll(() => lockedHere.page.locator('.message.error').textContent()).toContain('Too many failed sign-ins for this account from your address');
    expect(new URL(lockedHere.page.url()).pathname).toBe('/sign-in');
    await lockedHere.context.close();
    // A client cannot pick its address: loopback is a trusted proxy, so X-Forwarded-For is read — from
    // the right, where the proxy appended what it saw; a hop the client wrote before that is ignored.
    const elsewhere = await signInAs({ 'x-forwarded-for': '203.0.113.99, 198.51.100.23' });
    await elsewhere.page.waitForURL((url) => url.pathname === '/');
    await elsewhere.context.close();
    expect((await listAudit(db(), { limit: 1, action: 'user.sign_in' })).entries[0]).toMatchObject({ actorEmail: locked.email, details: { address: '198.51.100.23' } });

    ({ context: adminContext, page: adminPage } = await newSignedInPage(admin));
    expect(await adminPage.textContent('[data-testid=signed-in-as]')).toBe(admin.email);
    const cookie = (await adminContext.cookies()).find((entry) => entry.name === 'gateway_admin_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // The database keeps only the token's hash.
    const stored = await db().selectFrom('admin_sessions').select('id').execute();
    expect(stored.map((row) => row.id)).not.toContain(cookie?.value);
  });

  it('creates a key, shows it once with a copy button, and stores only its hash', async () => {
    await adminPage.goto('/keys');
    await adminPage.fill('[data-testid=create-key-form] input[name=name]', 'search app');
    await adminPage.fill('[data-testid=create-key-form] input[name=rpm_limit]', '120');
    await adminPage.fill('[data-testid=create-key-form] input[name=budget_usd]', '25');
    await adminPage.fill('[data-testid=create-key-form] textarea[name=metadata]', '{"team": "search"}');
    await adminPage.click('[data-testid=create-key-form] button[type=submit]');
    const shown = adminPage.locator('[data-testid=created-key]');
    await shown.waitFor();
    const key = (await shown.locator('code').textContent()) ?? '';
    expect(key).toMatch(/^gw-[\w-]{43}$/);
    expect(await shown.locator('button', { hasText: 'Copy' }).count()).toBe(1);
    const record = await findKeyByPlaintext(db(), key);
    expect(record).toMatchObject({ name: 'search app', metadata: { team: 'search' }, limits: { rpmLimit: 120, budget: { maxUsd: 25, period: 'monthly' } } });
    createdKey = { id: record!.id, key };
    const row = adminPage.locator(`tr[data-key-id="${createdKey.id}"]`);
    await row.waitFor();
    expect(await row.locator('[data-testid=key-state]').textContent()).toBe('active');
    await adminPage.screenshot({ path: `${screenshots}keys.png`, fullPage: true });
    // Shown once: a fresh load of the page has no trace of it.
    await adminPage.reload();
    expect(await adminPage.content()).not.toContain(key);
    await expect.poll(() => events.some((event) => event.entity === 'key' && event.id === createdKey.id && event.action === 'created')).toBe(true);
    const audit = await listAudit(db(), { limit: 10, action: 'key.create' });
    expect(audit.entries[0]).toMatchObject({ actorEmail: admin.email, targetId: createdKey.id });
    expect(JSON.stringify(audit.entries)).not.toContain(key);
  });

  it('edits a key’s limits and allowed models', async () => {
    await adminPage.goto(`/keys/${createdKey.id}`);
    const form = adminPage.locator('[data-testid=edit-key-form]');
    await form.locator('input[name=models]').fill('fast, smart');
    await form.locator('input[name=tpm_limit]').fill('50000');
    await form.locator('input[name=guardrails]').fill('pii-strict, no-such-policy');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.message').textContent()).toContain('There is no guardrail policy "no-such-policy"');
    expect((await getKey(db(), createdKey.id))?.limits.tpmLimit).toBeNull();
    await form.locator('input[name=guardrails]').fill('pii-strict');
    await form.locator('input[name=log_bodies]').check();
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.message').textContent()).toContain('saved');
    expect(await getKey(db(), createdKey.id)).toMatchObject({ models: ['fast', 'smart'], limits: { rpmLimit: 120, tpmLimit: 50_000 }, guardrails: ['pii-strict'], logBodies: true });
    expect((await listAudit(db(), { limit: 1, action: 'key.update' })).entries[0]?.details).toMatchObject({ log_bodies: true });
    // The "Requests, 24 h" card links to the same 24 hours of the key in the log.
    expect(await adminPage.getAttribute('[data-testid=key-requests-link]', 'href')).toBe(`/requests?range=24h&key=${createdKey.id}`);
    await adminPage.screenshot({ path: `${screenshots}key.png`, fullPage: true });
  });

  it('shows a request of the key in the log and its detail, logged markup as text', async () => {
    await insertUsageRecords(db(), [
      usageRecord('req_e2e_one', {
        createdAt: new Date().toISOString(),
        keyId: createdKey.id,
        model: 'fast',
        provider: 'openai-main',
        inputTokens: 1234,
        outputTokens: 567,
        costUsd: 0.0123,
        latencyMs: 842,
        routingReason: `weighted pick ${xss}`,
        flags: ['retried'],
        attempts: 2,
        attemptLog: [
          { provider: 'openai-main', model: 'gpt-4o-mini', status: 503, latencyMs: 120, startMs: 3, errorCode: 'provider_error' },
          { provider: 'openai-main', model: 'gpt-4o-mini', status: 200, latencyMs: 690, startMs: 140, retry: 1 },
        ],
        cacheStatus: 'miss',
        guardrails: [
          { policy: 'strict', check: 'pii', index: 0, action: 'redact', verdict: 'redact', entities: { EMAIL_ADDRESS: 2 } },
          { policy: 'strict', check: 'prompt_injection', index: 1, action: 'deny', verdict: 'pass', score: 0.12 },
        ],
        metadata: { prompt: xss, feature: 'search' },
        bodies: { prompt: `user:\nsummarise ${xss}`, completion: `Summary: ${xss}`, promptTruncated: false, completionTruncated: true },
      }),
    ]);
    await adminPage.goto(`/requests?key=${createdKey.id}`);
    const rows = adminPage.locator('[data-testid=requests-table] tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('req_e2e_one');
    await adminPage.goto('/requests');
    await adminPage.screenshot({ path: `${screenshots}requests.png`, fullPage: true });
    // Server-side paging: 50 a page, the next page continues where this one ended.
    expect(await rows.count()).toBe(50);
    await adminPage.click('[data-testid=older-page]');
    await adminPage.waitForURL(/cursor=/);
    expect(await rows.count()).toBe(50);
    // With a preset range, the next page's link carries the window as absolute times: it does not slide.
    await adminPage.goto('/requests?range=24h');
    const older = new URL((await adminPage.getAttribute('[data-testid=older-page]', 'href')) ?? '', server.url);
    expect(older.searchParams.has('range')).toBe(false);
    const pinnedFrom = Date.parse(older.searchParams.get('from') ?? '');
    const pinnedTo = Date.parse(older.searchParams.get('to') ?? '');
    expect(pinnedTo - pinnedFrom).toBe(86_400_000);
    await adminPage.click('[data-testid=older-page]');
    await adminPage.waitForURL(/cursor=/);
    expect(await rows.count()).toBe(50);
    expect(new URL((await adminPage.getAttribute('[data-testid=older-page]', 'href')) ?? '', server.url).searchParams.get('from')).toBe(new Date(pinnedFrom).toISOString());

    await adminPage.goto('/requests/req_e2e_one');
    expect(await adminPage.textContent('[data-testid=request-metadata]')).toContain(xss);
    expect(await adminPage.textContent('[data-testid=routing-reason]')).toBe(`weighted pick ${xss}`);
    // The logged prompt and completion, as text: the markup is characters, not an element.
    expect(await adminPage.textContent('[data-testid=request-prompt] pre')).toBe(`user:\nsummarise ${xss}`);
    expect(await adminPage.textContent('[data-testid=request-completion] pre')).toBe(`Summary: ${xss}`);
    expect(await adminPage.textContent('[data-testid=request-completion]')).toContain('Truncated');
    expect(await adminPage.textContent('[data-testid=request-prompt]')).not.toContain('Truncated');
    expect(await adminPage.locator('[data-testid=request-prompt] img, [data-testid=request-completion] img').count()).toBe(0);
    expect(await adminPage.textContent('[data-testid=cache-step]')).toBe('Response cache: miss');
    const guardrails = (await adminPage.textContent('[data-testid=guardrail-step]')) ?? '';
    expect(guardrails).toContain('Guardrails: redact');
    expect(guardrails).toContain('strict · pii (#1, action redact): redact EMAIL_ADDRESS ×2');
    expect(guardrails).toContain('strict · prompt_injection (#2, action deny): pass score 0.12');
    // Each attempt: target, why, start, latency and status.
    const attempts = await adminPage.locator('[data-testid=attempt]').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].slice(0, 6).map((cell) => cell.textContent)));
    expect(attempts).toEqual([
      ['1', 'openai-main / gpt-4o-mini', 'first call', '+3.0 ms', '120 ms', '503 provider_error'],
      ['2', 'openai-main / gpt-4o-mini', 'retry 1', '+140 ms', '690 ms', '200 '],
    ]);
    expect(await adminPage.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await adminPage.screenshot({ path: `${screenshots}request.png`, fullPage: true });
  });

  it('shows the key’s request in the overview, numbers matching the record', async () => {
    await adminPage.goto(`/?range=24h&key=${createdKey.id}`);
    expect(await adminPage.textContent('[data-testid=total-requests] .value')).toBe('1');
    expect(await adminPage.textContent('[data-testid=total-tokens] .value')).toBe('1,801');
    expect(await adminPage.textContent('[data-testid=total-cost] .value')).toBe('$0.012300');
    // One lookup, a miss.
    expect(await adminPage.textContent('[data-testid=cache-hit-ratio] .value')).toBe('0.0%');
    expect(await adminPage.textContent('[data-testid=guardrail-verdicts] .hint')).toBe('of 1 checked · 1 redacted · 0 flagged');
    // Custom dates (a day that ended before the request), then back to a preset: picking it empties the dates, and it applies.
    const startedAt = Date.now();
    const dayBefore = (days: number) => new Date(startedAt - days * 86_400_000).toISOString().slice(0, 19);
    await adminPage.goto(`/?key=${createdKey.id}&from=${dayBefore(3)}&to=${dayBefore(2)}`);
    expect(await adminPage.textContent('[data-testid=total-requests] .value')).toBe('0');
    const filterBar = adminPage.locator('[data-testid=filters]');
    expect(await filterBar.locator('select[name=range]').inputValue()).toBe('');
    expect((await filterBar.locator('input[name=from]').inputValue()).slice(0, 16)).toBe(dayBefore(3).slice(0, 16));
    await filterBar.locator('select[name=range]').selectOption('24h');
    expect([await filterBar.locator('input[name=from]').inputValue(), await filterBar.locator('input[name=to]').inputValue()]).toEqual(['', '']);
    await filterBar.locator('button[type=submit]').click();
    await adminPage.waitForURL(/range=24h/);
    expect(await adminPage.textContent('[data-testid=total-requests] .value')).toBe('1');
    // Typing a date switches the range back to custom.
    await adminPage.locator('[data-testid=filters] input[name=from]').fill(dayBefore(3));
    expect(await adminPage.locator('[data-testid=filters] select[name=range]').inputValue()).toBe('');
    // Only `to`: the overview's 24 hours end there (a day before the request: nothing).
    await adminPage.goto(`/?key=${createdKey.id}&to=${dayBefore(1)}`);
    expect(await adminPage.textContent('[data-testid=total-requests] .value')).toBe('0');
    await adminPage.goto('/?range=24h');
    expect(await adminPage.textContent('[data-testid=total-requests] .value')).toBe('241');
    await adminPage.locator('[data-testid=overview-charts] .recharts-wrapper').first().waitFor();
    expect(await adminPage.locator('[data-testid=overview-charts] .recharts-wrapper').count()).toBe(7);
    await adminPage.screenshot({ path: `${screenshots}overview.png`, fullPage: true });
  });

  it('adds a provider whose credential is never shown again; gateway.yaml entities are read-only', async () => {
    await adminPage.goto('/providers');
    await adminPage.click('summary:has-text("Add a provider")');
    const form = adminPage.locator('[data-testid=create-provider-form]');
    await form.locator('input[name=name]').fill('anthropic-main');
    await form.locator('select[name=type]').selectOption('anthropic');
    await form.locator('input[name=api_key]').fill('sk-ant-very-secret-credential');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.message').textContent()).toContain('saved');
    await adminPage.reload();
    const html = await adminPage.content();
    expect(html).not.toContain('sk-ant-very-secret-credential');
    expect(html).not.toContain('sk-file-secret-value');
    expect(await adminPage.locator('[data-testid=providers-table] .badge.file').count()).toBe(1);
    // Stored encrypted, and what was typed is what the gateway will send.
    expect((await getProviderWithSecrets(db(), secretBox, 'anthropic-main'))?.apiKey).toBe('sk-ant-very-secret-credential');
    const row = await db().selectFrom('providers').select('api_key_ciphertext').where('name', '=', 'anthropic-main').executeTakeFirstOrThrow();
    expect(row.api_key_ciphertext).not.toContain('sk-ant');
    await adminPage.screenshot({ path: `${screenshots}providers.png`, fullPage: true });
    await adminPage.goto('/models');
    expect(await adminPage.locator('[data-testid=models-table] .badge.file').count()).toBe(1);
    await adminPage.screenshot({ path: `${screenshots}models.png`, fullPage: true });
    await adminPage.goto('/guardrails');
    const guardrails = (await adminPage.textContent('[data-testid=guardrails-table]')) ?? '';
    expect(guardrails).toContain('1. pii → redact (input)');
    expect(guardrails).toContain('key search app');
    await adminPage.screenshot({ path: `${screenshots}guardrails.png`, fullPage: true });
  });

  it('revokes the key', async () => {
    await adminPage.goto('/keys');
    const row = adminPage.locator(`tr[data-key-id="${createdKey.id}"]`);
    await row.locator('[data-testid=revoke-key-form] button').click();
    await expect.poll(() => row.locator('[data-testid=key-state]').textContent()).toBe('revoked');
    const record = await findKeyByPlaintext(db(), createdKey.key);
    expect(record && keyState(record)).toBe('revoked');
    await expect.poll(() => events.some((event) => event.entity === 'key' && event.id === createdKey.id && event.action === 'deleted')).toBe(true);
    // The confirm() of the revoke button is the only dialog so far.
    expect(dialogs).toEqual([expect.stringMatching(/^confirm: Revoke "search app"/)]);
  });

  it('lets a viewer read but change nothing, even posting the forms’ server actions directly', async () => {
    // An active key for the viewer to try to revoke, and the admin's revoke and add-user forms as the browser would post them.
    const { record: untouchable } = await createKey(db(), { name: 'do not touch' });
    await adminPage.goto('/keys');
    const revokeFields = await adminPage.locator(`tr[data-key-id="${untouchable.id}"] [data-testid=revoke-key-form]`).evaluate((form) => [...new FormData(form as HTMLFormElement)].map(([name, value]) => [name, String(value)]));
    await adminPage.goto('/users');
    const userFields = await adminPage.locator('[data-testid=create-user-form]').evaluate((form) => [...new FormData(form as HTMLFormElement)].map(([name, value]) => [name, String(value)]));
    expect(revokeFields.some(([name]) => name?.startsWith('$ACTION'))).toBe(true);

    const { context, page } = await newSignedInPage(viewer);
    await page.goto('/keys');
    expect(await page.locator('.readonly-note').count()).toBe(1);
    expect(await page.locator('[data-testid=create-key-form]').count()).toBe(0);
    expect(await page.locator('[data-testid=revoke-key-form]').count()).toBe(0);
    const viewerCsrf = await page.locator('form[action="/sign-out"] input[name=csrf]').inputValue();

    const post = async (path: string, fields: string[][], extra: Record<string, string>) => {
      const multipart: Record<string, string> = Object.fromEntries(fields.map(([name, value]) => [name!, value!]));
      Object.assign(multipart, extra);
      return page.request.post(path, { multipart, headers: { origin: server.url } });
    };
    const revokeAttempt = await post('/keys', revokeFields, { csrf: viewerCsrf });
    expect(await revokeAttempt.text()).toContain('Viewers cannot change anything');
    const addUserAttempt = await post('/users', userFields, { csrf: viewerCsrf, email: 'intruder@example.com', role: 'admin', password: 'intruder password 1' });
    expect(await addUserAttempt.text()).toContain('Viewers cannot change anything');
    expect(keyState((await getKey(db(), untouchable.id))!)).toBe('active');
    expect((await listAdminUsers(db())).map((user) => user.email)).not.toContain('intruder@example.com');

    // The admin's own session, without the form's CSRF token, is refused too.
    const forgedCsrf = await adminPage.request.post('/keys', { multipart: { ...Object.fromEntries(revokeFields.map(([name, value]) => [name!, value!])), csrf: 'forged' }, headers: { origin: server.url } });
    expect(await forgedCsrf.text()).toContain('not sent by a page of the dashboard');
    expect(keyState((await getKey(db(), untouchable.id))!)).toBe('active');
    const viewerSignOutWithoutToken = await page.request.post('/sign-out', { form: {}, maxRedirects: 0 });
    expect(viewerSignOutWithoutToken.status()).toBe(403);

    const audit = await listAudit(db(), { limit: 100 });
    expect(audit.entries.filter((entry) => entry.actorEmail === viewer.email).map((entry) => entry.action)).toEqual(['user.sign_in']);
    await context.close();
  });

  it('adds, edits and deletes guardrail policies; one named by a model cannot be deleted', async () => {
    await adminPage.goto('/guardrails');
    await adminPage.click('summary:has-text("Add a policy")');
    const create = adminPage.locator('[data-testid=create-guardrail-form]');
    await create.locator('input[name=name]').fill('soft-pii');
    await create.locator('textarea[name=checks]').fill('[{"type": "regex", "pattern": "(", "action": "deny"}]');
    await create.locator('button[type=submit]').click();
    await expect.poll(() => create.locator('.message').textContent()).toContain('checks.0.pattern: not a valid regular expression');
    expect(await getGuardrailPolicy(db(), 'soft-pii')).toBeUndefined();
    // What was typed stays after a refusal.
    expect(await create.locator('input[name=name]').inputValue()).toBe('soft-pii');
    await create.locator('textarea[name=checks]').fill('[{"type": "pii", "action": "redact"}]');
    await create.locator('select[name=on_error]').selectOption('fail_open');
    await create.locator('button[type=submit]').click();
    await expect.poll(() => create.locator('.message').textContent()).toContain('saved');
    expect(await getGuardrailPolicy(db(), 'soft-pii')).toMatchObject({ checks: [{ type: 'pii', action: 'redact', phase: 'input', reversible: false }], onError: 'fail_open', source: 'api' });
    await expect.poll(() => events.some((event) => event.entity === 'guardrail' && event.id === 'soft-pii' && event.action === 'created')).toBe(true);

    await adminPage.reload();
    const cell = adminPage.locator('td[data-policy="soft-pii"]');
    await cell.locator('summary:has-text("edit")').click();
    const edit = cell.locator('[data-testid=edit-guardrail-form]');
    await edit.locator('textarea[name=checks]').fill('[{"type": "pii", "entities": ["EMAIL_ADDRESS"], "action": "redact"}, {"type": "keywords", "keywords": ["internal"], "action": "flag"}]');
    await edit.locator('button[type=submit]').click();
    await expect.poll(() => edit.locator('.message').textContent()).toContain('saved');
    expect((await getGuardrailPolicy(db(), 'soft-pii'))?.checks.map((check) => check.type)).toEqual(['pii', 'keywords']);
    await expect.poll(() => events.some((event) => event.entity === 'guardrail' && event.id === 'soft-pii' && event.action === 'updated')).toBe(true);
    // A policy of gateway.yaml has no controls.
    expect(await adminPage.locator('td[data-policy="pii-strict"] details').count()).toBe(0);

    // A model added in the dashboard names it, with cache settings: both are stored and shown again in its JSON.
    await adminPage.goto('/models');
    await adminPage.click('summary:has-text("Add a model")');
    const modelJson = { name: 'smart', targets: [{ provider: 'anthropic-main', model: 'claude-sonnet-4' }], cache: { mode: 'exact', ttl: 900 }, guardrails: ['soft-pii'] };
    const addModel = adminPage.locator('form:has(textarea[name=model])').first();
    await addModel.locator('textarea[name=model]').fill(JSON.stringify({ ...modelJson, guardrails: ['no-such-policy'] }));
    await addModel.locator('button[type=submit]').click();
    await expect.poll(() => addModel.locator('.message').textContent()).toContain('there is no guardrail policy "no-such-policy"');
    await addModel.locator('textarea[name=model]').fill(JSON.stringify(modelJson));
    await addModel.locator('button[type=submit]').click();
    await expect.poll(() => addModel.locator('.message').textContent()).toContain('saved');
    expect(await getModel(db(), 'smart')).toMatchObject({ cache: { mode: 'exact', ttl: 900 }, guardrails: ['soft-pii'] });
    await adminPage.reload();
    const smartEdit = adminPage.locator('tr:has(strong:text-is("smart")) textarea[name=model]');
    expect(JSON.parse(await smartEdit.inputValue())).toMatchObject({ cache: { mode: 'exact', ttl: 900 }, guardrails: ['soft-pii'] });
    // Saving it unchanged keeps both.
    await adminPage.locator('tr:has(strong:text-is("smart")) summary:has-text("edit")').click();
    await adminPage.locator('tr:has(strong:text-is("smart")) form:has(textarea[name=model]) button[type=submit]').click();
    await expect.poll(() => adminPage.locator('tr:has(strong:text-is("smart")) form:has(textarea[name=model]) .message').textContent()).toContain('saved');
    expect(await getModel(db(), 'smart')).toMatchObject({ cache: { mode: 'exact', ttl: 900 }, guardrails: ['soft-pii'] });
    await adminPage.screenshot({ path: `${screenshots}models.png`, fullPage: true });

    // A model a live key still allows is not deleted: the message names the key; once the key is revoked it goes.
    await upsertModel(db(), { name: 'spare', strategy: 'single', targets: [{ provider: 'anthropic-main', model: 'claude-haiku' }] });
    const holder = (await createKey(db(), { name: 'spare user', models: ['spare'] })).record;
    await adminPage.reload();
    const spareRow = adminPage.locator('tr:has(strong:text-is("spare"))');
    await spareRow.locator('summary:has-text("edit")').click();
    const deleteSpare = spareRow.locator('form:has(button:text-is("Delete"))');
    await deleteSpare.locator('button[type=submit]').click();
    await expect
      .poll(() => deleteSpare.locator('.message').textContent())
      .toBe(`The model "spare" is still named by key "spare user" (${holder.id}: allowed models or cache.semantic.embedder); change them first.`);
    expect(await getModel(db(), 'spare')).toBeDefined();
    await revokeKey(db(), holder.id);
    await deleteSpare.locator('button[type=submit]').click();
    await expect.poll(() => getModel(db(), 'spare')).toBeUndefined();

    await adminPage.goto('/guardrails');
    const softCell = adminPage.locator('td[data-policy="soft-pii"]');
    await softCell.locator('summary:has-text("edit")').click();
    const remove = softCell.locator('[data-testid=delete-guardrail-form]');
    await remove.locator('button[type=submit]').click();
    await expect.poll(() => remove.locator('.message').textContent()).toBe('"soft-pii" is still named by model "smart": remove it from them first.');
    expect(await getGuardrailPolicy(db(), 'soft-pii')).toBeDefined();
    await adminPage.screenshot({ path: `${screenshots}guardrails.png`, fullPage: true });

    // One nobody names goes.
    await upsertGuardrailPolicy(db(), { name: 'short-lived', checks: [guardrailCheckSchema.parse({ type: 'max_size', max_chars: 1000, action: 'deny' })], onError: 'fail_closed', source: 'api' });
    await adminPage.reload();
    const shortCell = adminPage.locator('td[data-policy="short-lived"]');
    await shortCell.locator('summary:has-text("edit")').click();
    await shortCell.locator('[data-testid=delete-guardrail-form] button[type=submit]').click();
    await expect.poll(() => getGuardrailPolicy(db(), 'short-lived')).toBeUndefined();
    await expect.poll(() => events.some((event) => event.entity === 'guardrail' && event.id === 'short-lived' && event.action === 'deleted')).toBe(true);
  });

  it('shows each model’s routing and its deployments’ live state; an admin edits a model’s routing alone', async () => {
    await adminPage.goto('/routing');
    // No router on the bus: the page says so and shows the routing all the same.
    const live = adminPage.locator('[data-testid=routing-live]');
    expect(await live.getAttribute('data-state')).toBe('unreachable');
    expect(await live.textContent()).toContain('router not reachable');
    const fast = adminPage.locator('section[data-model="fast"]');
    expect(await fast.locator('[data-testid=routing-strategy]').textContent()).toBe('loadbalance');
    const fastTarget = (await fast.locator('tr[data-path="0"]').textContent()) ?? '';
    expect(fastTarget).toContain('openai-main/gpt-4o-mini');
    expect(await fast.locator('tr[data-path="0"] [data-from=default]').allTextContents()).toContain('2 retries');
    expect(await fast.locator('.badge.file').count()).toBe(1);
    expect(await fast.locator('[data-testid=routing-form]').count()).toBe(0);

    const smart = adminPage.locator('section[data-model="smart"]');
    await smart.locator('summary:has-text("edit routing")').click();
    const form = smart.locator('[data-testid=routing-form]');
    const textarea = form.locator('textarea[name=routing]');
    // The text holds the routing alone, not the model's cache settings or guardrail policies.
    const shown = JSON.parse(await textarea.inputValue());
    expect(shown).toMatchObject({ strategy: 'loadbalance', targets: [{ provider: 'anthropic-main', model: 'claude-sonnet-4' }] });
    expect(Object.keys(shown).filter((field) => ['name', 'price', 'cache', 'guardrails'].includes(field))).toEqual([]);

    // Refused with gateway.yaml's messages, nothing saved.
    const refusedWith = async (routing: unknown, message: string) => {
      await textarea.fill(JSON.stringify(routing));
      await form.locator('button[type=submit]').click();
      await expect.poll(() => form.locator('.message').textContent()).toBe(message);
    };
    await refusedWith({ strategy: 'fallback', targets: [{ provider: 'nobody', model: 'x' }] }, 'targets.0.provider: unknown provider "nobody" (declare it under providers)');
    await refusedWith({ strategy: 'conditional', targets: [{ provider: 'anthropic-main', model: 'claude-sonnet-4' }] }, 'strategy: strategy conditional needs conditions: [{ when, then }]');
    expect((await getModel(db(), 'smart'))?.strategy).toBe('loadbalance');

    const eventsBefore = events.length;
    const routing = {
      strategy: 'fallback',
      targets: [
        { name: 'primary', provider: 'anthropic-main', model: 'claude-sonnet-4', retry: { attempts: 1 }, ttft_timeout_ms: 5000 },
        { name: 'backup', strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 3 }, { provider: 'anthropic-main', model: 'claude-haiku' }] },
      ],
      timeout_ms: 30000,
      hedge: { after_ms: 2000 },
      fallbacks: { context_window: [{ provider: 'anthropic-main', model: 'claude-long' }] },
    };
    await textarea.fill(JSON.stringify(routing));
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.message').textContent()).toBe('Routing of "smart" saved.');
    const saved = await getModel(db(), 'smart');
    expect(saved).toMatchObject({ strategy: 'fallback', routing: { timeout_ms: 30000, hedge: { after_ms: 2000 }, fallbacks: routing.fallbacks }, cache: { mode: 'exact', ttl: 900 }, guardrails: ['soft-pii'] });
    expect(saved?.targets[1]).toMatchObject({ name: 'backup', strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 3 }, { model: 'claude-haiku' }] });
    // The routers reload it on this event.
    await expect.poll(() => events.slice(eventsBefore).some((event) => event.entity === 'model' && event.id === 'smart' && event.action === 'updated')).toBe(true);
    const [entry] = (await listAudit(db(), { limit: 1, action: 'model.routing.update' })).entries;
    expect(entry).toMatchObject({ actorEmail: admin.email, targetType: 'model', targetId: 'smart', details: { strategy: 'fallback' } });

    // A stand-in router answers router.v1.health: each deployment shows its live state.
    const ejectedUntil = Date.now() + 45_000;
    const idle = { inFlight: 0, latencyEwmaMs: null, ttftEwmaMs: null, requestsThisMinute: 0, tokensThisMinute: 0, ejectedUntil: null, ejectionReason: null };
    const router = await bus.serve({
      name: 'router',
      version: '1.0.0',
      endpoints: [
        {
          endpoint: routerHealth,
          handler: () => ({
            tracked: true,
            at: Date.now(),
            deployments: [
              { provider: 'anthropic-main', model: 'claude-sonnet-4', ...idle, ejectedUntil, ejectionReason: 'failures' as const },
              { provider: 'openai-main', model: 'gpt-4o-mini', ...idle, inFlight: 2, latencyEwmaMs: 420, ttftEwmaMs: 180, requestsThisMinute: 12, tokensThisMinute: 3400 },
            ],
          }),
        },
      ],
    });
    try {
      await adminPage.reload();
      expect(await live.getAttribute('data-state')).toBe('live');
      expect(await smart.locator('[data-testid=routing-strategy]').textContent()).toBe('fallback');
      const facts = (await smart.locator('dl.facts').textContent()) ?? '';
      expect(facts).toContain('30 s');
      expect(facts).toContain('after 2 s without an answer');
      const primary = smart.locator('tr[data-path="0"]');
      const primaryText = (await primary.textContent()) ?? '';
      expect(primaryText).toContain('anthropic-main/claude-sonnet-4');
      expect(primaryText).toContain('first token 5 s');
      expect(primaryText).toContain('1 retry (target)');
      expect(await primary.locator('[data-from=default]').allTextContents()).toEqual(['on 408, 409, 429, 500, 502, 503, 504', 'backoff 250 ms', 'max backoff 8 s', 'Retry-After ≤ 30 s']);
      expect(await primary.locator('[data-testid=deployment-state]').textContent()).toMatch(/^ejected until .+ UTC \(consecutive failures, \d+ s left\)$/);
      expect(await smart.locator('tr[data-path="1"]').textContent()).toContain('group backup · loadbalance');
      const mini = smart.locator('tr[data-path="1.0"]');
      expect(await mini.locator('[data-from=default]').allTextContents()).toContain('2 retries');
      expect(await mini.locator('[data-testid=deployment-state]').textContent()).toBe('healthy');
      expect(await mini.locator('[data-testid=deployment-in-flight]').textContent()).toBe('2');
      expect(await mini.locator('[data-testid=deployment-latency]').textContent()).toBe('420 ms (TTFT 180 ms)');
      expect(await mini.locator('[data-testid=deployment-per-minute]').textContent()).toBe('12 req · 3,400 tokens');
      // A deployment the state never saw: idle, unmeasured, healthy.
      const long = smart.locator('tr[data-path="fallbacks.context_window.0"]');
      expect(await long.textContent()).toContain('anthropic-main/claude-long');
      expect(await long.locator('[data-testid=deployment-latency]').textContent()).toBe('unmeasured');
      await adminPage.screenshot({ path: `${screenshots}routing.png`, fullPage: true });
    } finally {
      await router.stop();
    }

    // A viewer reads the routing but has no controls, and posting the admin's form is refused.
    const saveFields = await form.evaluate((element) => [...new FormData(element as HTMLFormElement)].map(([name, value]) => [name, String(value)]));
    const changed = JSON.stringify({ targets: [{ provider: 'openai-main', model: 'gpt-4o' }] });
    const { context, page } = await newSignedInPage(viewer);
    await page.goto('/routing');
    expect(await page.locator('section[data-model="smart"] [data-testid=routing-strategy]').textContent()).toBe('fallback');
    expect(await page.locator('[data-testid=routing-form]').count()).toBe(0);
    expect(await page.locator('summary:has-text("edit routing")').count()).toBe(0);
    const viewerCsrf = await page.locator('form[action="/sign-out"] input[name=csrf]').inputValue();
    const attempt = await page.request.post('/routing', { multipart: { ...Object.fromEntries(saveFields.map(([name, value]) => [name!, value!])), csrf: viewerCsrf, routing: changed }, headers: { origin: server.url } });
    expect(await attempt.text()).toContain('Viewers cannot change anything');
    expect((await getModel(db(), 'smart'))?.strategy).toBe('fallback');
    await context.close();

    // A model of gateway.yaml is refused by the server, even to an admin.
    const fileAttempt = await adminPage.request.post('/routing', { multipart: { ...Object.fromEntries(saveFields.map(([name, value]) => [name!, value!])), name: 'fast', routing: changed }, headers: { origin: server.url } });
    expect(await fileAttempt.text()).toContain('is defined in gateway.yaml and is read-only here');
    expect(await getModel(db(), 'fast')).toMatchObject({ strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini' }] });
  });

  it('sets the cache defaults and purges cached answers through the cache service', async () => {
    await adminPage.goto('/cache');
    expect(await adminPage.textContent('[data-testid=cache-source]')).toBe('built-in');
    const form = adminPage.locator('[data-testid=cache-settings-form]');
    await form.locator('select[name=mode]').selectOption('semantic');
    await form.locator('input[name=ttl]').fill('600');
    await form.locator('input[name=embedder]').fill('no-such-model');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.message').textContent()).toContain('"no-such-model" is neither "local" nor a configured model');
    expect(await getCacheSettings(db())).toBeUndefined();
    await form.locator('input[name=embedder]').fill('local');
    await form.locator('input[name=threshold]').fill('0.98');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.message').textContent()).toContain('saved');
    expect((await getCacheSettings(db()))?.value).toEqual({ mode: 'semantic', ttl: 600, semantic: { threshold: 0.98, embedder: 'local' } });
    await expect.poll(() => events.some((event) => event.entity === 'settings' && event.id === 'cache' && event.action === 'updated')).toBe(true);
    await adminPage.reload();
    const effective = (await adminPage.textContent('[data-testid=cache-effective]')) ?? '';
    expect(effective).toContain('semantic');
    expect(effective).toContain('600 s');

    // Keys whose cached answers can be purged: one with a cache of its own, one in a shared scope.
    const { record: ownCache } = await createKey(db(), { name: 'own cache' });
    const { record: sharedCache } = await createKey(db(), { name: 'shared cache', cache: { scope: 'search-team' } });
    await adminPage.reload();
    // No cache service on the bus: the purge says so.
    const purge = adminPage.locator('[data-testid=cache-purge-form]');
    await purge.locator('select[name=model]').selectOption('smart');
    await purge.locator('button[type=submit]').click();
    await expect.poll(() => purge.locator('.message').textContent()).toContain('No cache service answered: nothing was purged');
    // A stand-in cache service records what it is asked.
    const purges: CachePurgeRequest[] = [];
    const cacheService = await bus.serve({
      name: 'cache',
      version: '1.0.0',
      endpoints: [
        {
          endpoint: cachePurge,
          handler: (request: CachePurgeRequest) => {
            purges.push(request);
            return { removed: 1 };
          },
        },
      ],
    });
    try {
      await purge.locator('button[type=submit]').click();
      await expect.poll(() => purge.locator('.message').textContent()).toBe('Cached answers of model "smart" purged.');
      // A key's answers are those of its scope: its own cache, or the shared scope it names.
      await purge.locator('select[name=target]').selectOption('key');
      await purge.locator('select[name=key]').selectOption(ownCache.id);
      await purge.locator('button[type=submit]').click();
      await expect.poll(() => purge.locator('.message').textContent()).toBe('Cached answers of key "own cache" purged.');
      await purge.locator('select[name=key]').selectOption(sharedCache.id);
      await purge.locator('button[type=submit]').click();
      await expect.poll(() => purge.locator('.message').textContent()).toBe('Cached answers of key "shared cache" (shared scope "search-team", every key in it) purged.');
      await purge.locator('select[name=target]').selectOption('scope');
      await purge.locator('select[name=scope]').selectOption('search-team');
      await purge.locator('button[type=submit]').click();
      await expect.poll(() => purge.locator('.message').textContent()).toBe('Cached answers of shared scope "search-team" purged.');
      await purge.locator('select[name=target]').selectOption('all');
      await purge.locator('button[type=submit]').click();
      await expect.poll(() => purge.locator('.message').textContent()).toBe('Cached answers of every model and key purged.');
      expect(purges).toEqual([{ model: 'smart' }, { scope: `key:${ownCache.id}` }, { scope: 'team:search-team' }, { scope: 'team:search-team' }, { all: true }]);
    } finally {
      await cacheService.stop();
    }
    await adminPage.screenshot({ path: `${screenshots}cache.png`, fullPage: true });
    const audit = await listAudit(db(), { limit: 100 });
    const actions = audit.entries.map((entry) => entry.action);
    for (const action of ['guardrail.create', 'guardrail.update', 'guardrail.delete', 'model.create', 'cache.settings.update', 'cache.purge']) expect(actions).toContain(action);

    // A viewer reads the settings and policies but has no controls, and posting the admin's forms is refused.
    const saveFields = await form.evaluate((element) => [...new FormData(element as HTMLFormElement)].map(([name, value]) => [name, String(value)]));
    const { context, page } = await newSignedInPage(viewer);
    await page.goto('/cache');
    expect(await page.textContent('[data-testid=cache-effective]')).toContain('600 s');
    expect(await page.locator('[data-testid=cache-settings-form], [data-testid=cache-purge-form]').count()).toBe(0);
    await page.goto('/guardrails');
    expect(await page.locator('[data-testid=create-guardrail-form], [data-testid=edit-guardrail-form], [data-testid=delete-guardrail-form]').count()).toBe(0);
    const viewerCsrf = await page.locator('form[action="/sign-out"] input[name=csrf]').inputValue();
    const attempt = await page.request.post('/cache', { multipart: { ...Object.fromEntries(saveFields.map(([name, value]) => [name!, value!])), csrf: viewerCsrf, mode: 'off' }, headers: { origin: server.url } });
    expect(await attempt.text()).toContain('Viewers cannot change anything');
    expect((await getCacheSettings(db()))?.value.mode).toBe('semantic');
    await context.close();

    // Defaults from gateway.yaml are marked read-only, and the server refuses to change them.
    await putCacheSettings(db(), { mode: 'exact' }, 'file');
    await adminPage.reload();
    expect(await adminPage.textContent('[data-testid=cache-source]')).toBe('gateway.yaml · read-only');
    expect(await adminPage.locator('[data-testid=cache-settings-form]').count()).toBe(0);
    const fileAttempt = await adminPage.request.post('/cache', { multipart: Object.fromEntries(saveFields.map(([name, value]) => [name!, value!])), headers: { origin: server.url } });
    expect(await fileAttempt.text()).toContain('read-only here');
    expect(await getCacheSettings(db())).toMatchObject({ value: { mode: 'exact' }, source: 'file' });
  });

  it('tests a provider’s connection, showing the provider’s error without the credential', async () => {
    // A stand-in upstream that lists one model for the right key and echoes a wrong one in its error.
    const upstream = createServer((request, response) => {
      if (request.headers.authorization === 'Bearer sk-stub-good-credential') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'stub-model', object: 'model' }] }));
        return;
      }
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${request.headers.authorization ?? ''}` } }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    try {
      await upsertProvider(db(), secretBox, { name: 'stub-good', type: 'openai', baseUrl: base, apiKey: 'sk-stub-good-credential' });
      await upsertProvider(db(), secretBox, { name: 'stub-wrong', type: 'openai', baseUrl: base, apiKey: 'sk-stub-wrong-credential' });
      await adminPage.goto('/providers');
      const good = adminPage.locator('tr:has(strong:text-is("stub-good")) [data-testid=test-provider-form]');
      await good.locator('button[type=submit]').click();
      await expect.poll(() => good.locator('.message').textContent()).toBe('Connected to stub-good: 1 model listed.');
      const wrong = adminPage.locator('tr:has(strong:text-is("stub-wrong")) [data-testid=test-provider-form]');
      await wrong.locator('button[type=submit]').click();
      await expect.poll(() => wrong.locator('.message').textContent()).toBe('stub-wrong answered HTTP 401: Incorrect API key provided: Bearer [redacted]');
      const html = await adminPage.content();
      expect(html).not.toContain('sk-stub-wrong-credential');
      expect(html).not.toContain('sk-stub-good-credential');
      await adminPage.screenshot({ path: `${screenshots}providers.png`, fullPage: true });
    } finally {
      upstream.closeAllConnections();
      upstream.close();
    }
    // A provider named only in a model's fallbacks is in use: "used by" names the model, and deleting it is refused.
    await upsertModel(db(), {
      name: 'long-context',
      strategy: 'single',
      targets: [{ provider: 'anthropic-main', model: 'claude-sonnet-4' }],
      routing: { fallbacks: { context_window: [{ provider: 'stub-wrong', model: 'big' }] } },
    });
    await adminPage.reload();
    const wrongRow = adminPage.locator('tr:has(strong:text-is("stub-wrong"))');
    expect(await wrongRow.locator('td').nth(4).textContent()).toBe('long-context');
    await wrongRow.locator('summary:has-text("edit")').click();
    const deleteWrong = wrongRow.locator('form:has(button:text-is("Delete"))');
    await deleteWrong.locator('button[type=submit]').click();
    await expect.poll(() => deleteWrong.locator('.message').textContent()).toBe('Provider "stub-wrong" is used by model(s) "long-context" (targets or fallbacks): change them first.');
    expect(await getProviderWithSecrets(db(), secretBox, 'stub-wrong')).toBeDefined();
    // A viewer has no test button.
    const { context, page } = await newSignedInPage(viewer);
    await page.goto('/providers');
    expect(await page.locator('[data-testid=test-provider-form]').count()).toBe(0);
    await context.close();
  });

  it('shows who changed what in the audit log, and the users', async () => {
    await adminPage.goto('/audit');
    const text = (await adminPage.textContent('[data-testid=audit-table]')) ?? '';
    for (const action of ['user.sign_in_failed', 'user.sign_in', 'key.create', 'key.update', 'provider.create', 'key.revoke']) expect(text).toContain(action);
    expect(text).not.toContain('sk-ant-very-secret-credential');
    await adminPage.screenshot({ path: `${screenshots}audit.png`, fullPage: true });
    await adminPage.goto('/users');
    expect(await adminPage.textContent('[data-testid=users-table]')).toContain(viewer.email);
    await adminPage.screenshot({ path: `${screenshots}users.png`, fullPage: true });
  });
});
