import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBus, type Bus } from '@gateway/bus';
import { parseEnvironment } from '@gateway/config';
import { routerPlan, usageStream, type Plan, type UsageRecord } from '@gateway/contracts';
import {
  createDatabase,
  createSecretBox,
  databaseUrlWithName,
  dropDatabase,
  ensureDatabaseExists,
  insertUsageRecords,
  migrateToLatest,
  upsertProvider,
  type Database,
} from '@gateway/db';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gateway/kv';
import { costUsd, priceFor } from '@gateway/providers';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { startFakeOpenAi, testServiceUrls, uniqueName, type FakeOpenAi } from '@gateway/testkit';
import { buildApi, type Api } from '../src/index.ts';
import { budgetPeriodAt } from '../src/limits/budget-period.ts';
import { startBudgetReconciler } from '../src/limits/budget-reconciler.ts';
import { nanosPerUsd, spendKey } from '../src/limits/key-limiter.ts';

type Mode = 'embedded' | 'servers';
const masterKey = 'master-key-for-limit-tests';
const providerKey = 'sk-openai-provider-key-limits-0123';
/** The plan's one target: a model the built-in price catalog knows ($2.50 in, $10 out per million tokens). */
const pricedModel = 'gpt-4o';
const price = priceFor('openai', pricedModel)!;
const costOf = (inputTokens: number, outputTokens: number) => costUsd(price, { inputTokens, outputTokens });

interface Setup {
  url: string;
  api: Api;
  store: KeyValueStore;
  database: Database;
  fake: FakeOpenAi;
  records: UsageRecord[];
  close(): Promise<void>;
}

/** The API on a bus with a router stand-in (one priced target on the fake OpenAI), a database and a store. */
async function startApi(mode: Mode, storeFor?: (store: KeyValueStore) => KeyValueStore): Promise<Setup> {
  const directory = await mkdtemp(join(tmpdir(), 'api-limits-'));
  const urls = testServiceUrls();
  let databaseUrl: string | undefined;
  let database: Database;
  let bus: Bus;
  let store: KeyValueStore;
  if (mode === 'servers') {
    databaseUrl = databaseUrlWithName(urls.databaseUrl, uniqueName('api_limits'));
    await ensureDatabaseExists(databaseUrl);
    database = await createDatabase({ url: databaseUrl, poolSize: 4 });
    bus = await createBus({ name: 'api-test', natsUrl: urls.natsUrl, namespace: uniqueName('limits') });
    store = await createRedisStore({ url: urls.redisUrl, keyPrefix: `${uniqueName('limits')}:` });
  } else {
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    bus = await createBus({ name: 'api-test' });
    store = createMemoryStore();
  }
  await migrateToLatest(database.db);
  const fake = await startFakeOpenAi({ apiKey: providerKey });
  const secretBox = createSecretBox(Buffer.alloc(32, 5).toString('base64'));
  await upsertProvider(database.db, secretBox, { name: 'openai', type: 'openai', baseUrl: fake.url, apiKey: providerKey });
  const plan = (model: string): Plan => ({ model, strategy: 'single', targets: [{ provider: 'openai', model: pricedModel }] });
  const router = await bus.serve({
    name: 'router',
    version: '1.0.0',
    endpoints: [{ endpoint: routerPlan, handler: (request: { model: string }) => plan(request.model) }],
  });
  const records: UsageRecord[] = [];
  await bus.ensureStream(usageStream);
  const consumer = await bus.consumeDurable(usageStream, { durableName: uniqueName('usage_limits'), maxWaitMs: 20 }, async (messages) => {
    for (const message of messages) records.push(message.data);
  });
  const api = await buildApi({
    environment: parseEnvironment({}),
    database,
    bus,
    secretBox,
    logger: createLogger({ service: 'api', level: 'silent' }),
    metrics: createMetrics({ service: 'api' }),
    masterKey,
    configSource: 'test',
    readinessChecks: { postgres: () => database.ping() },
    store: storeFor ? storeFor(store) : store,
  });
  const url = await api.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    api,
    store,
    database,
    fake,
    records,
    async close() {
      await api.close();
      await consumer.stop();
      await router.stop();
      await bus.close();
      await store.close().catch(() => undefined);
      await database.close();
      await fake.close();
      if (databaseUrl) await dropDatabase(databaseUrl);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function createKey(setup: Setup, limits: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const created = await setup.api.app.inject({
    method: 'POST',
    url: '/admin/v1/keys',
    headers: { authorization: `Bearer ${masterKey}` },
    payload: { name: uniqueName('key'), ...limits },
  });
  if (created.statusCode !== 201) throw new Error(`key creation failed: ${created.statusCode} ${created.body}`);
  return created.json() as { id: string; key: string };
}

const chatBody = { model: 'fast', messages: [{ role: 'user', content: 'one two three' }], max_tokens: 5 };

/** The API's count of refusals by one kind and scope of key limit (`gateway_limit_refusals_total`). */
async function refusalsCounted(setup: Setup, kind: string, scope: string): Promise<number> {
  const text = await (await fetch(`${setup.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith('gateway_limit_refusals_total{') && candidate.includes(`kind="${kind}"`) && candidate.includes(`scope="${scope}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function chat(setup: Setup, key: string, options: { body?: unknown; signal?: AbortSignal; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${setup.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(options.body ?? chatBody),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** The tokens the gateway reserves for a body: its chars / 4 as input, its max_tokens as output. */
function estimateTokens(body: { max_tokens: number } = chatBody): { inputTokens: number; outputTokens: number } {
  return { inputTokens: Math.ceil(JSON.stringify(body).length / 4), outputTokens: body.max_tokens };
}

async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * RPM windows are fixed minutes aligned to the store's clock (Redis runs on this machine in the tests,
 * so its clock is this one): a test that must see several requests in one window starts with at
 * least 5 s left in the current minute, waiting for the next one otherwise.
 */
async function withinOneMinuteWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe.each<Mode>(['embedded', 'servers'])('key limits and budgets (%s)', (mode) => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await startApi(mode);
  });
  afterAll(async () => {
    await setup?.close();
  });
  beforeEach(() => {
    setup.fake.reset();
  });

  it('accepts limits on POST and PATCH, returns them, and refuses invalid ones with a clear 400', async () => {
    const created = await createKey(setup, {
      rpm_limit: 60,
      budget: { max_usd: 5, period: 'weekly' },
      model_limits: { fast: { tpm_limit: 1000, budget: { max_usd: 1, period: 'daily' } } },
    });
    expect(created).toMatchObject({
      rpm_limit: 60,
      tpm_limit: null,
      max_parallel: null,
      budget: { max_usd: 5, period: 'weekly' },
      model_limits: { fast: { tpm_limit: 1000, budget: { max_usd: 1, period: 'daily' } } },
    });
    const patched = await setup.api.app.inject({
      method: 'PATCH',
      url: `/admin/v1/keys/${created.id}`,
      headers: { authorization: `Bearer ${masterKey}` },
      payload: { max_parallel: 3, budget: null },
    });
    expect(patched.json()).toMatchObject({ rpm_limit: 60, max_parallel: 3, budget: null, model_limits: { fast: { tpm_limit: 1000 } } });
    const read = await setup.api.app.inject({ method: 'GET', url: `/admin/v1/keys/${created.id}`, headers: { authorization: `Bearer ${masterKey}` } });
    expect(read.json()).toMatchObject({ rpm_limit: 60, max_parallel: 3, budget: null });

    for (const payload of [
      { name: 'x', rpm_limit: 0 },
      { name: 'x', tpm_limit: 1.5 },
      { name: 'x', budget: { max_usd: -1, period: 'daily' } },
      { name: 'x', budget: { max_usd: 1, period: 'yearly' } },
      { name: 'x', model_limits: { fast: { rpm: 5 } } },
    ]) {
      const refused = await setup.api.app.inject({ method: 'POST', url: '/admin/v1/keys', headers: { authorization: `Bearer ${masterKey}` }, payload });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('invalid_request');
    }
  });

  it('50 concurrent requests against a budget for 10: exactly 10 succeed, the rest get 429, spend stays within the budget', async () => {
    const tokens = estimateTokens();
    // Room for 10 estimates and not 11; each call costs what it reserved, so the order of settles is irrelevant.
    const maxUsd = costOf(tokens.inputTokens, tokens.outputTokens) * 10.5;
    setup.fake.script(Array.from({ length: 50 }, () => ({ usage: { prompt_tokens: tokens.inputTokens, completion_tokens: tokens.outputTokens } })));
    const { id, key } = await createKey(setup, { budget: { max_usd: maxUsd, period: 'monthly' } });
    const budgetRefusalsBefore = await refusalsCounted(setup, 'budget', 'key');
    let release: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => (release = resolve));
    const calls = Array.from({ length: 50 }, async () => {
      await barrier;
      return chat(setup, key);
    });
    release();
    const responses = await Promise.all(calls);
    const succeeded = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect(succeeded).toHaveLength(10);
    expect(refused).toHaveLength(40);
    expect(setup.fake.requests.filter((request) => request.method === 'POST')).toHaveLength(10);
    const refusal = refused[0]!;
    expect(refusal.body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error', param: 'budget' });
    expect(refusal.body.error.message).toContain('per month (monthly, UTC)');
    // Counted as budget refusals (the alert on exhausted budgets reads this), not as rate limits.
    expect((await refusalsCounted(setup, 'budget', 'key')) - budgetRefusalsBefore).toBe(40);
    const secondsToMonthEnd = (budgetPeriodAt('monthly', new Date()).end.getTime() - Date.now()) / 1000;
    expect(Math.abs(Number(refusal.headers.get('retry-after')) - secondsToMonthEnd)).toBeLessThan(5);
    expect(refusal.headers.get('ratelimit-remaining')).toBe('0');
    expect(succeeded[0]!.headers.get('ratelimit-limit')).toBe(String(Math.floor(maxUsd * 100)));

    await setup.api.flushUsage();
    const spent = await eventually(async () => {
      const value = await setup.store.get(spendKey(id, null, budgetPeriodAt('monthly', new Date())));
      return value !== null && Number(value) > 0 ? Number(value) / nanosPerUsd : undefined;
    });
    expect(spent).toBeLessThanOrEqual(maxUsd);
    expect(spent).toBeCloseTo(costOf(tokens.inputTokens, tokens.outputTokens) * 10, 8);
  });

  it('refuses the request over the RPM limit with Retry-After and RateLimit headers, before any provider call', async () => {
    await withinOneMinuteWindow();
    const { key } = await createKey(setup, { rpm_limit: 2 });
    const first = await chat(setup, key);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect((await chat(setup, key)).status).toBe(200);
    const refused = await chat(setup, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', param: 'rpm_limit' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-limit')).toBe('2');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(setup.fake.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
  });

  it('applies a model’s limits for that model only', async () => {
    await withinOneMinuteWindow();
    const { key } = await createKey(setup, { model_limits: { fast: { rpm_limit: 1 } } });
    const modelRpmRefusalsBefore = await refusalsCounted(setup, 'rpm', 'model');
    expect((await chat(setup, key)).status).toBe(200);
    const refused = await chat(setup, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.param).toBe('model_limits.fast.rpm_limit');
    expect((await refusalsCounted(setup, 'rpm', 'model')) - modelRpmRefusalsBefore).toBe(1);
    expect((await chat(setup, key, { body: { ...chatBody, model: 'other' } })).status).toBe(200);
  });

  it('limits requests in flight, and frees a slot when its request ends however it ends', async () => {
    const { key } = await createKey(setup, { max_parallel: 2 });
    setup.fake.script([{ hang: true }, { hang: true }]);
    const abort = new AbortController();
    const hangingIds = [uniqueName('hanging'), uniqueName('hanging')];
    const hanging = hangingIds.map((id) => chat(setup, key, { signal: abort.signal, headers: { 'x-request-id': id } }).catch(() => 'aborted'));
    await eventually(async () => (setup.fake.requests.filter((request) => request.method === 'POST').length >= 2 ? true : undefined));
    const refused = await chat(setup, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.param).toBe('max_parallel');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-limit')).toBe('2');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // The clients leave: both requests end as 499 and release their slots.
    abort.abort();
    expect(await Promise.all(hanging)).toEqual(['aborted', 'aborted']);
    // Both ended requests are recorded: each one's release went to the store before its record went out.
    await setup.api.flushUsage();
    const ended = await eventually(async () => {
      const mine = setup.records.filter((record) => hangingIds.includes(record.clientRequestId ?? ''));
      return mine.length === 2 ? mine : undefined;
    });
    expect(ended.map((record) => record.status)).toEqual([499, 499]);
    const admitted = await chat(setup, key);
    expect(admitted.status).toBe(200);
    expect(admitted.headers.get('ratelimit-remaining')).toBe('1');
  });

  it('settles tokens and cost to the actual usage', async () => {
    const { id, key } = await createKey(setup, { tpm_limit: 100_000, budget: { max_usd: 1_000_000, period: 'daily' } });
    const body = { ...chatBody, max_tokens: 5000 };
    const first = await chat(setup, key, { body });
    expect(first.status).toBe(200);
    // Reserved: the estimate, with 5000 output tokens.
    const reserved = estimateTokens(body);
    expect(Number(first.headers.get('ratelimit-remaining'))).toBe(100_000 - reserved.inputTokens - reserved.outputTokens);
    await setup.api.flushUsage();
    const usage = first.body.usage as { prompt_tokens: number; completion_tokens: number };
    const actualCost = costOf(usage.prompt_tokens, usage.completion_tokens);
    const spent = await eventually(async () => {
      const value = await setup.store.get(spendKey(id, null, budgetPeriodAt('daily', new Date())));
      return value === null ? undefined : Number(value) / nanosPerUsd;
    });
    expect(spent).toBeCloseTo(actualCost, 8);
    // The reservation was 5000 output tokens' worth; the counter holds the actual cost only.
    expect(costOf(reserved.inputTokens, reserved.outputTokens)).toBeGreaterThan(actualCost * 10);
    const second = await chat(setup, key, { body: { ...chatBody, max_tokens: 1 } });
    expect(second.status).toBe(200);
    const secondEstimate = estimateTokens({ ...chatBody, max_tokens: 1 }).inputTokens + 1;
    // Only the first request's actual tokens remain from it (unless a minute boundary passed in between).
    const remaining = Number(second.headers.get('ratelimit-remaining'));
    expect([100_000 - usage.prompt_tokens - usage.completion_tokens - secondEstimate, 100_000 - secondEstimate]).toContain(remaining);
  });

  it('counts pass-through calls against the key’s RPM', async () => {
    await withinOneMinuteWindow();
    const { key } = await createKey(setup, { rpm_limit: 1 });
    const call = () => fetch(`${setup.url}/passthrough/openai/models`, { headers: { authorization: `Bearer ${key}` } });
    const first = await call();
    expect(first.headers.get('ratelimit-limit')).toBe('1');
    expect(first.headers.get('ratelimit-remaining')).toBe('0');
    await first.text();
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).error.param).toBe('rpm_limit');
  });

  it('reconciliation raises a drifted budget counter to the ledger’s spend', async () => {
    const { id, key } = await createKey(setup, { budget: { max_usd: 100, period: 'daily' } });
    const period = budgetPeriodAt('daily', new Date());
    // The ledger knows of $100 the counter never saw (a settle lost with a replica, or Redis lost the key).
    await insertUsageRecords(setup.database.db, [
      {
        requestId: uniqueName('lost'),
        clientRequestId: null,
        createdAt: new Date().toISOString(),
        keyId: id,
        model: 'fast',
        provider: 'openai',
        providerModel: pricedModel,
        endpoint: 'chat',
        stream: false,
        inputTokens: 1,
        outputTokens: 1,
        costUsd: 100,
        latencyMs: 1,
        overheadMs: 1,
        status: 200,
        errorCode: null,
        attempts: 1,
      },
    ]);
    await setup.store.set(spendKey(id, null, period), String(1 * nanosPerUsd));
    const reconciler = startBudgetReconciler({ database: setup.database, store: setup.store, logger: createLogger({ service: 'api', level: 'silent' }), intervalMs: 0 });
    const corrections = await reconciler.runOnce();
    expect(corrections).toContainEqual({ keyId: id, model: null, periodId: period.id, before: 1 * nanosPerUsd, after: 100 * nanosPerUsd });
    expect(Number(await setup.store.get(spendKey(id, null, period)))).toBe(100 * nanosPerUsd);
    // A second pass changes nothing; a counter above the ledger is never lowered.
    expect((await reconciler.runOnce()).filter((correction) => correction.keyId === id)).toEqual([]);
    const refused = await chat(setup, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.param).toBe('budget');
  });
});

describe.each<Mode>(['embedded', 'servers'])('key limits with the store down (%s)', (mode) => {
  let setup: Setup;
  /** Stands for Redis being unreachable: every call fails as ioredis does on a closed connection. */
  const down = (store: KeyValueStore): KeyValueStore => ({
    ...store,
    kind: store.kind,
    run: async () => {
      throw new Error('Connection is closed.');
    },
  });

  beforeAll(async () => {
    setup = mode === 'servers' ? await startApi(mode) : await startApi(mode, down);
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('answers 503 dependency_unavailable to a limited key and serves a key without limits', async () => {
    const limited = await createKey(setup, { budget: { max_usd: 10, period: 'daily' } });
    const unlimited = await createKey(setup);
    // With a real Redis, the connection itself goes away.
    if (mode === 'servers') await setup.store.close();
    const refused = await chat(setup, limited.key);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('dependency_unavailable');
    expect((await chat(setup, unlimited.key)).status).toBe(200);
    expect(setup.fake.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });
});
