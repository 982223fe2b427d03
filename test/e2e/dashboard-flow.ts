import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness, type Mode } from './harness.ts';

const operator = { email: 'ops@example.com', password: 'a long dashboard password' };
/** Markup that would run if a logged prompt were ever rendered as HTML. */
const xss = '<img src=x onerror=alert(1)>';
/** Shaped like an AWS access key id: scrubbed before the prompt is stored. */
const awsKeyId = 'AKIAIOSFODNN7EXAMPLE';
/** The request detail with a logged prompt is pictured in docs/admin.md. */
const screenshots = fileURLToPath(new URL('../../docs/admin/', import.meta.url));
/** The dashboard reads its settings from the process environment, as `npm start` gives them. */
const dashboardEnvironment: Record<string, string> = {
  ADMIN_PORT: '0',
  ADMIN_HOST: '127.0.0.1',
  GATEWAY_ADMIN_EMAIL: operator.email,
  GATEWAY_ADMIN_PASSWORD: operator.password,
};

/**
 * The gateway as `npm start` runs it, dashboard included, driven by Debian's Chromium: an operator
 * creates a key in the dashboard, an application calls the API with it (official SDK), the operator
 * sees the request in the log and in the overview's numbers for the key, with its logged prompt and
 * completion (as text: markup never runs, secrets scrubbed), revokes the key, and the API refuses it.
 * One mode per test file: Next.js serves one dashboard per process, and each test file runs in a
 * process of its own.
 */
export function dashboardAndApiSuite(mode: Mode): void {
  describe(`dashboard and API together (${mode})`, () => {
    let harness: Harness;
    let browser: Browser;
    let page: Page;
    /** Every alert, confirm or prompt: logged content must never open one. */
    const dialogs: string[] = [];
    const saved: Record<string, string | undefined> = {};

    beforeAll(async () => {
      for (const [name, value] of Object.entries(dashboardEnvironment)) {
        saved[name] = process.env[name];
        process.env[name] = value;
      }
      harness = await startHarness(mode, { dashboard: true });
      // The first start builds the dashboard (stamped: later starts reuse the build).
      await harness.gateway.dashboard!.ready;
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      });
      const context = await browser.newContext({ baseURL: harness.gateway.dashboard!.url });
      page = await context.newPage();
      page.on('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.accept();
      });
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await harness?.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }, 60_000);

    it('a key created in the dashboard calls the API, shows up in the log with its prompt as text, and stops working once revoked there', async () => {
      await page.goto('/sign-in');
      await page.fill('input[name=email]', operator.email);
      await page.fill('input[name=password]', operator.password);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => url.pathname === '/');

      await page.goto('/keys');
      await page.fill('[data-testid=create-key-form] input[name=name]', `sdk app ${mode}`);
      await page.check('[data-testid=create-key-form] input[name=log_bodies]');
      await page.click('[data-testid=create-key-form] button[type=submit]');
      const shown = page.locator('[data-testid=created-key]');
      await shown.waitFor();
      const key = (await shown.locator('code').textContent()) ?? '';
      expect(key).toMatch(/^gw-/);
      const row = page.locator('tr[data-key-id]', { hasText: `sdk app ${mode}` });
      const keyId = (await row.getAttribute('data-key-id')) ?? '';

      const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: key, maxRetries: 0 });
      const prompt = `from the dashboard key ${xss} with ${awsKeyId}`;
      const { data, response } = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: prompt }] }).withResponse();
      expect(data.choices[0]?.message.content).toBe(`Echo: ${prompt}`);
      const requestId = response.headers.get('x-gateway-request-id')!;

      // The ledger writes the record asynchronously: reload the log until it shows the request.
      await eventually(async () => {
        await page.goto(`/requests?key=${keyId}`);
        const text = (await page.locator('[data-testid=requests-table]').textContent()) ?? '';
        return text.includes(requestId) ? true : undefined;
      }, 20_000);

      // The overview's numbers for the key are the request's, as the API reported its usage.
      await page.goto(`/?range=24h&key=${keyId}`);
      expect(await page.textContent('[data-testid=total-requests] .value')).toBe('1');
      expect(await page.textContent('[data-testid=error-rate] .value')).toBe('0.0%');
      const tokens = (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0);
      expect(tokens).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid=total-tokens] .value')).toBe(new Intl.NumberFormat('en-US').format(tokens));

      // The detail shows the logged prompt and completion as text: the markup is characters, no element, no dialog.
      const promptSection = page.locator('[data-testid=request-prompt]');
      await eventually(async () => {
        await page.goto(`/requests/${requestId}`);
        return (await promptSection.count()) > 0 ? true : undefined;
      }, 20_000);
      const promptText = (await promptSection.textContent()) ?? '';
      expect(promptText).toContain(`user:\nfrom the dashboard key ${xss} with <SECRET_1>`);
      expect(await page.locator('[data-testid=request-completion] pre').textContent()).toBe(`Echo: from the dashboard key ${xss} with <SECRET_1>`);
      expect(await page.content()).not.toContain(awsKeyId);
      expect(await promptSection.locator('img').count()).toBe(0);
      expect(await page.locator('main img').count()).toBe(0);
      expect(dialogs).toEqual([]);
      if (mode === 'embedded') await page.screenshot({ path: `${screenshots}request-bodies.png`, fullPage: true });

      // Logging turned off in the key's settings: the next request has no bodies, and the detail says why.
      await page.goto(`/keys/${keyId}`);
      const edit = page.locator('[data-testid=edit-key-form]');
      await edit.locator('input[name=log_bodies]').uncheck();
      await edit.locator('button[type=submit]').click();
      await expect.poll(() => edit.locator('.message').textContent()).toContain('saved');
      // The API's key cache drops the key on the change event; a request sent before it arrives is still logged.
      await eventually(async () => {
        const { response: next } = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'not logged' }] }).withResponse();
        const id = next.headers.get('x-gateway-request-id')!;
        await eventually(async () => {
          await page.goto(`/requests/${id}`);
          return (await page.locator('[data-testid=request-facts]').count()) > 0 ? true : undefined;
        }, 20_000);
        return (await page.locator('[data-testid=request-prompt]').count()) === 0 ? id : undefined;
      }, 20_000);
      expect(await page.textContent('[data-testid=request-bodies-note]')).toContain('Body logging is off for this key');

      await page.goto('/keys');
      await page.locator(`tr[data-key-id="${keyId}"] [data-testid=revoke-key-form] button`).click();
      await expect.poll(() => page.locator(`tr[data-key-id="${keyId}"] [data-testid=key-state]`).textContent()).toBe('revoked');
      const refused = await eventually(async () => {
        const outcome = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'after revoke' }] }).catch((error: unknown) => error);
        return outcome instanceof OpenAI.AuthenticationError ? outcome : undefined;
      });
      expect(refused.status).toBe(401);
      // The revoke button's confirm() is the only dialog.
      expect(dialogs).toEqual([expect.stringMatching(/^confirm: Revoke/)]);
    });
  });
}
