import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, createNatsBus, type Bus } from '@gateway/bus';
import { configChanged, routerHealth, routerPlan } from '@gateway/contracts';
import { createDatabase, migrateToLatest, upsertModel, upsertProvider, createSecretBox, type Database } from '@gateway/db';
import type { Deployment, DeploymentSnapshot, DeploymentState } from '@gateway/deployment-state';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRouter } from '../src/index.ts';
import { serveRouter } from '../src/service.ts';

const buses: Array<[string, () => Promise<Bus>]> = [
  ['memory', async () => createMemoryBus()],
  ['nats', () => createNatsBus({ url: testServiceUrls().natsUrl, name: 'router-test', namespace: uniqueName('router') })],
];

describe.each(buses)('router service on the %s bus', (_name, createBus) => {
  let bus: Bus;
  let database: Database;
  let directory: string;
  let router: { stop(): Promise<void> };
  const metrics = createMetrics({ service: 'router-test' });
  // The shared state as the API replicas would have written it (the real one lives in packages/deployment-state).
  const state = new Map<string, Partial<DeploymentSnapshot>>();
  const asked: Deployment[][] = [];
  let stateUnavailable = false;
  const deploymentState: DeploymentState = {
    async snapshot(deployments) {
      if (stateUnavailable) throw new Error('connection refused');
      asked.push([...deployments]);
      return new Map(
        deployments.map((deployment) => {
          const id = `${deployment.provider}/${deployment.model}`;
          return [id, { inFlight: 0, latencyEwmaMs: null, ttftEwmaMs: null, requestsThisMinute: 0, tokensThisMinute: 0, ejectedUntil: null, ejectionReason: null, ...state.get(id) }];
        }),
      );
    },
    attemptStarted: async () => undefined,
    attemptFinished: async () => undefined,
  };
  const box = createSecretBox(Buffer.alloc(32, 7).toString('base64'));

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'router-test-'));
    database = await createDatabase({ dataDir: directory });
    await migrateToLatest(database.db);
    await upsertProvider(database.db, box, { name: 'p1', type: 'openai', apiKey: 'sk-x' });
    await upsertProvider(database.db, box, { name: 'p2', type: 'groq', apiKey: 'gsk-x' });
    await upsertModel(database.db, { name: 'fast', strategy: 'fallback', targets: [{ provider: 'p1', model: 'gpt-4o-mini' }] });
    await upsertModel(database.db, {
      name: 'busy',
      strategy: 'least-busy',
      targets: [{ provider: 'p1', model: 'a', weight: 1 }, { name: 'group', strategy: 'fallback', weight: 1, targets: [{ provider: 'p2', model: 'b', weight: 1 }] }],
      routing: { retry: { attempts: 0 }, timeout_ms: 30000, fallbacks: { context_window: [{ provider: 'p2', model: 'long', weight: 1 }] } },
    });
    await upsertModel(database.db, { name: 'cheapest', strategy: 'cost', targets: [{ provider: 'p1', model: 'gpt-4o', weight: 1 }, { provider: 'p2', model: 'llama-3.1-8b-instant', weight: 1 }] });
    bus = await createBus();
    router = await startRouter({ bus, database, logger: createLogger({ service: 'router', level: 'silent' }), metrics, deploymentState });
  });
  afterAll(async () => {
    await router?.stop();
    await bus?.close();
    await database?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('answers plan requests', async () => {
    const plan = await bus.request(routerPlan, { requestId: 'r1', model: 'fast', operation: 'chat', key: { id: 'k' } });
    expect(plan).toEqual({
      model: 'fast',
      strategy: 'fallback',
      reason: 'listed order',
      targets: [
        {
          provider: 'p1',
          model: 'gpt-4o-mini',
          weight: 1,
          retry: { attempts: 2, onStatusCodes: [408, 409, 429, 500, 502, 503, 504], initialBackoffMs: 250, maxBackoffMs: 8000, maxRetryAfterMs: 30000 },
          path: '0',
        },
      ],
    });
  });

  it('orders by the shared deployment state, with the model’s settings, and counts the decision', async () => {
    state.set('p1/a', { inFlight: 3 });
    asked.length = 0;
    const plan = await bus.request(routerPlan, { requestId: 'r4', model: 'busy', operation: 'chat', key: { id: 'k' } });
    expect(plan.targets.map((target) => [target.provider, target.model, target.path, target.retry?.attempts])).toEqual([
      ['p2', 'b', '1.0', 0],
      ['p1', 'a', '0', 0],
    ]);
    expect(plan).toMatchObject({ strategy: 'least-busy', reason: 'least busy: 0 in flight', deadlineMs: 30000, fallbacks: { contextWindow: [{ provider: 'p2', model: 'long' }] } });
    // One read of the state for every deployment the plan may use, fallbacks included.
    expect(asked).toEqual([[{ provider: 'p1', model: 'a' }, { provider: 'p2', model: 'b' }, { provider: 'p2', model: 'long' }]]);
    const counted = await metrics.registry.getSingleMetricAsString('gateway_router_decisions_total');
    expect(counted).toContain('gateway_router_decisions_total{strategy="least-busy",reason_kind="least-busy",service="router-test"} 1');
    state.clear();
  });

  it('prices targets from the provider catalog for the cost strategy', async () => {
    const plan = await bus.request(routerPlan, { requestId: 'r5', model: 'cheapest', operation: 'chat', key: { id: 'k' } });
    expect(plan.targets.map((target) => target.model)).toEqual(['llama-3.1-8b-instant', 'gpt-4o']);
    expect(plan.reason).toMatch(/^cheapest: \$[0-9.]+\/Mtok blended$/);
  });

  it('answers provider_unavailable with Retry-After when every deployment is ejected', async () => {
    state.set('p1/gpt-4o-mini', { ejectedUntil: Date.now() + 20_000, ejectionReason: 'failures' });
    await expect(bus.request(routerPlan, { requestId: 'r6', model: 'fast', operation: 'chat', key: { id: 'k' } })).rejects.toMatchObject({
      code: 'provider_unavailable',
      source: 'router',
      retryAfterSeconds: expect.any(Number),
    });
    state.clear();
    const counted = await metrics.registry.getSingleMetricAsString('gateway_router_decisions_total');
    expect(counted).toContain('reason_kind="all-ejected"');
  });

  it('plans an inline config within the key’s rights', async () => {
    const inlineConfig = { strategy: 'fallback', targets: [{ provider: 'p2', model: 'x' }, { provider: 'p1', model: 'y' }] };
    const plan = await bus.request(routerPlan, { requestId: 'r7', model: 'fast', operation: 'chat', key: { id: 'k' }, inlineConfig });
    expect(plan.targets.map((target) => `${target.provider}/${target.model}`)).toEqual(['p2/x', 'p1/y']);
    expect(plan.reason).toBe('inline config: listed order');
    await expect(
      bus.request(routerPlan, { requestId: 'r8', model: 'fast', operation: 'chat', key: { id: 'k', models: ['fast', 'p2/*'] }, inlineConfig }),
    ).rejects.toMatchObject({ code: 'model_not_allowed', param: 'x-gateway-config' });
    await expect(
      bus.request(routerPlan, { requestId: 'r9', model: 'fast', operation: 'chat', key: { id: 'k' }, inlineConfig: { strategy: 'sometimes', targets: [] } }),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'x-gateway-config' });
  });

  it('answers a health snapshot of every deployment of its models, read once from the shared state', async () => {
    const ejectedUntil = Date.now() + 20_000;
    state.set('p1/a', { inFlight: 2, latencyEwmaMs: 420, ttftEwmaMs: 180, requestsThisMinute: 12, tokensThisMinute: 3400 });
    state.set('p2/b', { ejectedUntil, ejectionReason: 'failures' });
    asked.length = 0;
    const health = await bus.request(routerHealth, {});
    state.clear();
    expect(health.tracked).toBe(true);
    expect(health.at).toBeGreaterThan(0);
    const idle = { inFlight: 0, latencyEwmaMs: null, ttftEwmaMs: null, requestsThisMinute: 0, tokensThisMinute: 0, ejectedUntil: null, ejectionReason: null };
    expect(health.deployments).toEqual([
      { provider: 'p1', model: 'a', ...idle, inFlight: 2, latencyEwmaMs: 420, ttftEwmaMs: 180, requestsThisMinute: 12, tokensThisMinute: 3400 },
      { provider: 'p1', model: 'gpt-4o', ...idle },
      { provider: 'p1', model: 'gpt-4o-mini', ...idle },
      { provider: 'p2', model: 'b', ...idle, ejectedUntil, ejectionReason: 'failures' },
      { provider: 'p2', model: 'llama-3.1-8b-instant', ...idle },
      { provider: 'p2', model: 'long', ...idle },
    ]);
    expect(asked).toHaveLength(1);
  });

  it('answers a health request with an error, not a timeout, when the shared state cannot be read', async () => {
    stateUnavailable = true;
    try {
      await expect(bus.request(routerHealth, {})).rejects.toMatchObject({ code: 'dependency_unavailable', source: 'router', message: 'The router could not read the shared deployment state' });
    } finally {
      stateUnavailable = false;
    }
  });

  it('sends model_not_found back with its param', async () => {
    await expect(bus.request(routerPlan, { requestId: 'r2', model: 'unknown', operation: 'chat', key: { id: 'k' } })).rejects.toMatchObject({
      code: 'model_not_found',
      param: 'model',
      source: 'router',
    });
  });

  it('picks up a model added after start once the change is announced', async () => {
    await upsertModel(database.db, { name: 'later', strategy: 'single', targets: [{ provider: 'p1', model: 'gpt-4o' }] });
    bus.publish(configChanged, { entity: 'model', id: 'later', action: 'created' });
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const plan = await bus.request(routerPlan, { requestId: 'r3', model: 'later', operation: 'chat', key: { id: 'k' } });
        expect(plan.targets.map((target) => [target.provider, target.model])).toEqual([['p1', 'gpt-4o']]);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
});

describe('router health without the shared deployment state', () => {
  it('says the state is not tracked', async () => {
    const bus = createMemoryBus();
    const catalog = { models: new Map(), providers: new Set<string>() };
    const service = await serveRouter({ bus, catalog: () => catalog, now: () => 1_000 });
    try {
      expect(await bus.request(routerHealth, {})).toEqual({ tracked: false, at: 1_000, deployments: [] });
    } finally {
      await service.stop();
      await bus.close();
    }
  });
});
