import { describe, expect, it } from 'vitest';
import { GatewayError, keyAllowsModel, type PlanRequest } from '@gateway/contracts';
import { inlineRoutingConfigSchema } from '@gateway/config';
import type { DeploymentSnapshot } from '@gateway/deployment-state';
import type { ModelRouting, RoutingCatalog } from './catalog.ts';
import { unknownSnapshot } from './deployment-health.ts';
import { decidePlan, planRequest, type PlanOptions } from './plan.ts';
import { resolveRouting } from './resolve-routing.ts';
import { weightedOrder } from './weighted-order.ts';

const routing = (input: unknown): ModelRouting => inlineRoutingConfigSchema.parse(input);

const listPrices = new Map([
  ['openai-main/gpt-4o', { inputPerMillion: 2.5, outputPerMillion: 10 }],
  ['groq/llama', { inputPerMillion: 0.59, outputPerMillion: 0.79 }],
]);

const catalog: RoutingCatalog = {
  providers: new Set(['openai-main', 'groq', 'anthropic', 'together']),
  models: new Map([
    ['fast', routing({ strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 3 }, { provider: 'groq', model: 'llama', weight: 1 }] })],
    ['ordered', routing({ strategy: 'fallback', targets: [{ provider: 'groq', model: 'a' }, { provider: 'openai-main', model: 'b' }] })],
    ['solo', routing({ strategy: 'single', targets: [{ provider: 'groq', model: 'a' }, { provider: 'openai-main', model: 'b' }] })],
  ]),
  priceOf: (provider, model) => listPrices.get(`${provider}/${model}`),
};
const key = { id: 'key_1' };

function request(model: string, extra: Partial<PlanRequest> = {}): PlanRequest {
  return { requestId: 'r', model, operation: 'chat', key, ...extra };
}

/** Plans `config` as an inline config (the same code path as a configured model, without the catalog entry). */
function plan(config: unknown, options: PlanOptions = {}, extra: Partial<PlanRequest> = {}) {
  const planned = request('m', { inlineConfig: config, ...extra });
  return decidePlan(planned, resolveRouting(planned, catalog), catalog, options);
}

const order = (config: unknown, options: PlanOptions = {}, extra: Partial<PlanRequest> = {}) =>
  plan(config, options, extra).plan.targets.map((target) => `${target.provider}/${target.model}`);

function snapshots(entries: Record<string, Partial<DeploymentSnapshot>>): Map<string, DeploymentSnapshot> {
  return new Map(Object.entries(entries).map(([id, partial]) => [id, { ...unknownSnapshot, ...partial }]));
}

function seeded(seed = 1): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

function errorOf(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

const defaultRetry = { attempts: 2, onStatusCodes: [408, 409, 429, 500, 502, 503, 504], initialBackoffMs: 250, maxBackoffMs: 8000, maxRetryAfterMs: 30000 };

describe('resolving the model', () => {
  it('addresses a provider directly with provider/model, keeping slashes in the upstream name', () => {
    const planned = planRequest(request('groq/meta-llama/llama-4'), catalog);
    expect(planned).toEqual({
      model: 'groq/meta-llama/llama-4',
      strategy: 'single',
      reason: 'addressed directly',
      targets: [{ provider: 'groq', model: 'meta-llama/llama-4', weight: 1, retry: defaultRetry, path: '0' }],
    });
  });

  it('answers model_not_found for unknown models and providers', () => {
    expect(errorOf(() => planRequest(request('nope'), catalog)).code).toBe('model_not_found');
    expect(errorOf(() => planRequest(request('nobody/x'), catalog)).code).toBe('model_not_found');
  });

  it('enforces the key allow-list', () => {
    const limited = { id: 'k', models: ['ordered', 'groq/*'] };
    expect(errorOf(() => planRequest(request('fast', { key: limited }), catalog)).code).toBe('model_not_allowed');
    expect(errorOf(() => planRequest(request('openai-main/gpt-4o', { key: limited }), catalog)).code).toBe('model_not_allowed');
    expect(planRequest(request('groq/x', { key: limited }), catalog).targets[0]?.model).toBe('x');
    expect(planRequest(request('ordered', { key: limited }), catalog).strategy).toBe('fallback');
  });
});

describe('strategies', () => {
  it('single uses the first listed target only; fallback keeps the listed order', () => {
    expect(planRequest(request('solo'), catalog).targets.map((target) => target.model)).toEqual(['a']);
    const ordered = planRequest(request('ordered'), catalog);
    expect(ordered.targets.map((target) => target.model)).toEqual(['a', 'b']);
    expect(ordered.reason).toBe('listed order');
    expect(ordered.targets.map((target) => target.path)).toEqual(['0', '1']);
  });

  it('loadbalance orders by weighted random pick', () => {
    const random = seeded();
    let openaiFirst = 0;
    for (let index = 0; index < 4000; index++) {
      const planned = planRequest(request('fast'), catalog, { random });
      expect(planned.targets).toHaveLength(2);
      if (planned.targets[0]!.provider === 'openai-main') openaiFirst += 1;
    }
    expect(openaiFirst / 4000).toBeGreaterThan(0.7);
    expect(openaiFirst / 4000).toBeLessThan(0.8);
    expect(planRequest(request('fast'), catalog, { random: () => 0 }).reason).toBe('weighted pick: target openai-main/gpt-4o-mini');
  });

  it('least-busy puts the fewest in flight first, ties by weight', () => {
    const config = { strategy: 'least-busy', targets: [{ provider: 'openai-main', model: 'a' }, { provider: 'groq', model: 'b' }, { provider: 'together', model: 'c', weight: 0 }] };
    const state = snapshots({ 'openai-main/a': { inFlight: 4 }, 'groq/b': { inFlight: 1 }, 'together/c': { inFlight: 1 } });
    const decided = plan(config, { snapshots: state, random: () => 0 });
    expect(decided.plan.targets.map((target) => target.model)).toEqual(['b', 'c', 'a']);
    expect(decided.plan.reason).toBe('inline config: least busy: 1 in flight');
    expect(decided.kind).toBe('least-busy');
  });

  it('latency explores unmeasured deployments first, then lowest EWMA; streams weigh time to first token', () => {
    const config = { strategy: 'latency', targets: [{ provider: 'openai-main', model: 'slow' }, { provider: 'groq', model: 'fast' }, { provider: 'together', model: 'new' }] };
    const state = snapshots({
      'openai-main/slow': { latencyEwmaMs: 900, ttftEwmaMs: 100 },
      'groq/fast': { latencyEwmaMs: 400, ttftEwmaMs: 350 },
    });
    const explored = plan(config, { snapshots: state });
    expect(explored.plan.targets.map((target) => target.model)).toEqual(['new', 'fast', 'slow']);
    expect(explored.kind).toBe('explore');
    const measured = snapshots({ ...Object.fromEntries(state), 'together/new': { latencyEwmaMs: 600, ttftEwmaMs: 600 } });
    const whole = plan(config, { snapshots: measured });
    expect(whole.plan.targets.map((target) => target.model)).toEqual(['fast', 'new', 'slow']);
    expect(whole.plan.reason).toBe('inline config: lowest latency: 400 ms');
    // Streaming: 0.7 × TTFT + 0.3 × latency → slow 340, fast 365, new 600.
    const streamed = plan(config, { snapshots: measured }, { params: { stream: true } });
    expect(streamed.plan.targets.map((target) => target.model)).toEqual(['slow', 'fast', 'new']);
    expect(streamed.kind).toBe('fastest');
  });

  it('cost puts the cheapest first (target price over catalog), unpriced last', () => {
    const config = {
      strategy: 'cost',
      targets: [
        { provider: 'together', model: 'unknown-price' },
        { provider: 'openai-main', model: 'gpt-4o' },
        { provider: 'groq', model: 'llama' },
        { provider: 'anthropic', model: 'claude', price: { input_per_mtok: 0.1, output_per_mtok: 0.2 } },
      ],
    };
    const decided = plan(config);
    expect(decided.plan.targets.map((target) => target.model)).toEqual(['claude', 'llama', 'gpt-4o', 'unknown-price']);
    expect(decided.plan.targets[0]?.price).toEqual({ inputPerMillion: 0.1, outputPerMillion: 0.2 });
    expect(decided.plan.targets[1]?.price).toBeUndefined();
    expect(decided.plan.reason).toBe('inline config: cheapest: $0.125/Mtok blended');
    const unpriced = plan({ strategy: 'cost', targets: [{ provider: 'together', model: 'x' }, { provider: 'together', model: 'y' }] });
    expect(unpriced.kind).toBe('unpriced');
    expect(unpriced.plan.targets.map((target) => target.model)).toEqual(['x', 'y']);
  });

  it('usage puts the most headroom under rpm/tpm first, deployments at their limit last', () => {
    const config = {
      strategy: 'usage',
      targets: [
        { provider: 'openai-main', model: 'full', rpm: 100 },
        { provider: 'groq', model: 'half', rpm: 100, tpm: 10000 },
        { provider: 'together', model: 'busy-tokens', rpm: 100, tpm: 1000 },
      ],
    };
    const state = snapshots({
      'openai-main/full': { requestsThisMinute: 120 },
      'groq/half': { requestsThisMinute: 10, tokensThisMinute: 5000 },
      'together/busy-tokens': { requestsThisMinute: 1, tokensThisMinute: 900 },
    });
    const decided = plan(config, { snapshots: state });
    expect(decided.plan.targets.map((target) => target.model)).toEqual(['half', 'busy-tokens', 'full']);
    expect(decided.plan.reason).toBe('inline config: most headroom: 50% free');
    const saturated = plan({ strategy: 'usage', targets: [{ provider: 'openai-main', model: 'full', rpm: 100 }] }, { snapshots: state });
    expect(saturated.kind).toBe('saturated');
    expect(saturated.plan.targets).toHaveLength(1);
  });

  it('conditional picks the named target of the first matching rule, then the rest in listed order', () => {
    const config = {
      strategy: 'conditional',
      conditions: [
        { when: { 'metadata.plan': { $eq: 'free' } }, then: 'cheap' },
        { when: { $or: [{ 'params.max_tokens': { $gt: 4000 } }, { 'key.metadata.tier': 'gold' }] }, then: 'premium' },
      ],
      default: 'middle',
      targets: [
        { name: 'premium', provider: 'openai-main', model: 'gpt-4o' },
        { name: 'middle', provider: 'anthropic', model: 'claude' },
        { name: 'cheap', strategy: 'fallback', targets: [{ provider: 'groq', model: 'llama' }, { provider: 'together', model: 'llama' }] },
      ],
    };
    const free = plan(config, {}, { metadata: { plan: 'free' } });
    expect(free.plan.targets.map((target) => `${target.provider}/${target.model}`)).toEqual(['groq/llama', 'together/llama', 'openai-main/gpt-4o', 'anthropic/claude']);
    expect(free.plan.targets.map((target) => target.path)).toEqual(['2.0', '2.1', '0', '1']);
    expect(free.plan.reason).toBe('inline config: rule 1 matched: metadata.plan $eq free');
    expect(free.kind).toBe('rule');
    const gold = plan(config, {}, { key: { id: 'k', metadata: { tier: 'gold' } }, metadata: { plan: 'pro' } });
    expect(gold.plan.targets[0]?.model).toBe('gpt-4o');
    expect(gold.plan.reason).toContain('rule 2 matched: $or(params.max_tokens $gt 4000, key.metadata.tier $eq "gold")');
    const big = plan(config, {}, { params: { max_tokens: 8000 } });
    expect(big.plan.targets[0]?.model).toBe('gpt-4o');
    const none = plan(config, {}, { metadata: { plan: 'pro' } });
    expect(none.plan.targets.map((target) => target.model)).toEqual(['claude', 'gpt-4o', 'llama', 'llama']);
    expect(none.plan.reason).toBe('inline config: no rule matched: default middle');
    const { default: _default, ...withoutDefault } = config;
    const listed = plan(withoutDefault, {}, {});
    expect(listed.kind).toBe('no-match');
    expect(listed.plan.targets[0]?.model).toBe('gpt-4o');
  });
});

describe('nesting, settings and fallbacks', () => {
  const resilient = {
    strategy: 'fallback',
    retry: { attempts: 3, on_status_codes: [429, 503] },
    timeout_ms: 120000,
    hedge: { after_ms: 3000 },
    fallbacks: { context_window: [{ provider: 'anthropic', model: 'claude-long' }], content_policy: [{ provider: 'groq', model: 'llama', retry: { attempts: 0 } }] },
    targets: [
      {
        name: 'premium',
        provider: 'openai-main',
        model: 'gpt-4o',
        weight: 2,
        price: { input_per_mtok: 2.5, output_per_mtok: 10 },
        timeout_ms: 60000,
        ttft_timeout_ms: 10000,
        idle_timeout_ms: 20000,
        retry: { attempts: 1 },
      },
      {
        name: 'cheap',
        strategy: 'loadbalance',
        retry: { initial_backoff_ms: 100 },
        targets: [{ provider: 'groq', model: 'llama', weight: 1 }, { provider: 'together', model: 'llama', weight: 0 }],
      },
    ],
  };

  it('flattens groups in place with retry merged field by field (target, group, model, defaults), timeouts, prices and paths', () => {
    const decided = plan(resilient, { random: () => 0 });
    expect(decided.plan).toEqual({
      model: 'm',
      strategy: 'fallback',
      reason: 'inline config: listed order',
      deadlineMs: 120000,
      hedge: { afterMs: 3000 },
      targets: [
        {
          provider: 'openai-main',
          model: 'gpt-4o',
          weight: 2,
          price: { inputPerMillion: 2.5, outputPerMillion: 10 },
          retry: { ...defaultRetry, attempts: 1, onStatusCodes: [429, 503] },
          timeouts: { requestMs: 60000, ttftMs: 10000, idleMs: 20000 },
          path: '0',
        },
        { provider: 'groq', model: 'llama', weight: 1, retry: { ...defaultRetry, attempts: 3, onStatusCodes: [429, 503], initialBackoffMs: 100 }, path: '1.0' },
        { provider: 'together', model: 'llama', weight: 0, retry: { ...defaultRetry, attempts: 3, onStatusCodes: [429, 503], initialBackoffMs: 100 }, path: '1.1' },
      ],
      fallbacks: {
        contextWindow: [{ provider: 'anthropic', model: 'claude-long', weight: 1, retry: { ...defaultRetry, attempts: 3, onStatusCodes: [429, 503] }, path: 'fallbacks.context_window.0' }],
        contentPolicy: [{ provider: 'groq', model: 'llama', weight: 1, retry: { ...defaultRetry, attempts: 0, onStatusCodes: [429, 503] }, path: 'fallbacks.content_policy.0' }],
      },
    });
  });

  it('orders a nested group by its own strategy and the outer group by the group’s best member', () => {
    const config = {
      strategy: 'least-busy',
      targets: [
        { provider: 'openai-main', model: 'solo' },
        { strategy: 'fallback', targets: [{ provider: 'groq', model: 'x' }, { provider: 'together', model: 'y' }] },
      ],
    };
    const state = snapshots({ 'openai-main/solo': { inFlight: 2 }, 'groq/x': { inFlight: 5 }, 'together/y': { inFlight: 0 } });
    // The group's least busy member (0) beats solo (2); inside, the group keeps its fallback order.
    expect(order(config, { snapshots: state })).toEqual(['groq/x', 'together/y', 'openai-main/solo']);
  });

  it('serves a configured model with its settings the same way', () => {
    const configured: RoutingCatalog = { ...catalog, models: new Map([['resilient', routing(resilient)]]) };
    const planned = planRequest(request('resilient'), configured, { random: () => 0 });
    expect(planned.reason).toBe('listed order');
    expect(planned.deadlineMs).toBe(120000);
    expect(planned.targets.map((target) => target.path)).toEqual(['0', '1.0', '1.1']);
  });
});

describe('health', () => {
  const now = 1_000_000;
  const four = { strategy: 'fallback', targets: ['a', 'b', 'c', 'd'].map((model) => ({ provider: 'groq', model })) };

  it('leaves ejected deployments out and says how many', () => {
    const decided = plan(four, { now, snapshots: snapshots({ 'groq/b': { ejectedUntil: now + 5000, ejectionReason: 'failures' } }) });
    expect(decided.plan.targets.map((target) => target.model)).toEqual(['a', 'c', 'd']);
    expect(decided.plan.reason).toBe('inline config: listed order, 1 ejected');
    expect(decided.ejected).toBe(1);
    // An ejection that has run out counts as healthy.
    expect(order(four, { now, snapshots: snapshots({ 'groq/b': { ejectedUntil: now, ejectionReason: 'failures' } }) })).toHaveLength(4);
  });

  it('caps outlier ejection at half of a group, taking back those whose cooldown ends soonest', () => {
    const state = snapshots({
      'groq/a': { ejectedUntil: now + 1000, ejectionReason: 'failures' },
      'groq/b': { ejectedUntil: now + 9000, ejectionReason: 'error-rate' },
      'groq/c': { ejectedUntil: now + 5000, ejectionReason: 'failures' },
    });
    expect(order(four, { now, snapshots: state })).toEqual(['groq/a', 'groq/d']);
  });

  it('always leaves out a deployment whose credential was rejected, counting it against the cap first', () => {
    const state = snapshots({
      'groq/a': { ejectedUntil: now + 1000, ejectionReason: 'credential' },
      'groq/b': { ejectedUntil: now + 1000, ejectionReason: 'credential' },
      'groq/c': { ejectedUntil: now + 9000, ejectionReason: 'failures' },
      'groq/d': { ejectedUntil: now + 5000, ejectionReason: 'failures' },
    });
    expect(order(four, { now, snapshots: state })).toEqual(['groq/c', 'groq/d']);
    const one = snapshots({ 'groq/a': { ejectedUntil: now + 1000, ejectionReason: 'credential' }, 'groq/c': { ejectedUntil: now + 9000, ejectionReason: 'failures' } });
    expect(order(four, { now, snapshots: one })).toEqual(['groq/b', 'groq/d']);
  });

  it('answers provider_unavailable with Retry-After when every deployment is out', () => {
    const single = { strategy: 'single', targets: [{ provider: 'groq', model: 'a' }] };
    const error = errorOf(() => plan(single, { now, snapshots: snapshots({ 'groq/a': { ejectedUntil: now + 2500, ejectionReason: 'failures' } }) }));
    expect(error.code).toBe('provider_unavailable');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(3);
    const two = { strategy: 'fallback', targets: [{ provider: 'groq', model: 'a' }, { strategy: 'single', targets: [{ provider: 'groq', model: 'b' }] }] };
    const both = snapshots({ 'groq/a': { ejectedUntil: now + 8000, ejectionReason: 'credential' }, 'groq/b': { ejectedUntil: now + 4000, ejectionReason: 'failures' } });
    expect(errorOf(() => plan(two, { now, snapshots: both })).retryAfterSeconds).toBe(4);
    // Direct addressing too.
    const direct = request('groq/a');
    expect(errorOf(() => decidePlan(direct, resolveRouting(direct, catalog), catalog, { now, snapshots: both })).code).toBe('provider_unavailable');
  });

  it('drops an emptied fallback list without failing the plan', () => {
    const config = { ...four, fallbacks: { context_window: [{ provider: 'anthropic', model: 'long' }] } };
    const decided = plan(config, { now, snapshots: snapshots({ 'anthropic/long': { ejectedUntil: now + 1000, ejectionReason: 'credential' } }) });
    expect(decided.plan.fallbacks).toBeUndefined();
    expect(decided.plan.targets).toHaveLength(4);
  });
});

describe('inline config', () => {
  it('replaces the model’s routing, and the model name only names it', () => {
    const decided = plan({ strategy: 'fallback', targets: [{ provider: 'groq', model: 'a' }] }, {}, { model: 'not-configured' });
    expect(decided.plan.model).toBe('not-configured');
    expect(decided.source).toBe('inline');
  });

  it('refuses a malformed config with 400 naming the problem', () => {
    const bad = (config: unknown) => errorOf(() => plan(config));
    expect(bad({ targets: [] })).toMatchObject({ code: 'invalid_request', param: 'x-gateway-config', message: expect.stringContaining('targets: a model needs at least one target') });
    expect(bad({ name: 'x', targets: [{ provider: 'groq', model: 'a' }] }).message).toContain('Unrecognized key: "name"');
    expect(bad('fallback').code).toBe('invalid_request');
    expect(bad({ strategy: 'conditional', targets: [{ provider: 'groq', model: 'a' }] }).message).toContain('strategy: strategy conditional needs conditions');
    const longRegex = { strategy: 'conditional', conditions: [{ when: { 'metadata.x': { $regex: 'a'.repeat(65) } }, then: 'a' }], targets: [{ name: 'a', provider: 'groq', model: 'a' }] };
    expect(bad(longRegex).message).toContain('conditions.0.when.metadata.x.$regex: $regex patterns are at most 64 characters here');
    expect(bad({ targets: [{ strategy: 'fallback', targets: [{ provider: 'nobody', model: 'a' }] }] }).message).toBe(
      'x-gateway-config: targets.0.targets.0.provider: unknown provider "nobody"',
    );
  });

  it('allows only deployments the key may use, at any depth and in fallbacks', () => {
    const limited = { id: 'k', models: ['groq/*', 'together/llama'] };
    const allowed = { strategy: 'fallback', targets: [{ provider: 'groq', model: 'a' }, { targets: [{ provider: 'together', model: 'llama' }] }] };
    expect(order(allowed, {}, { key: limited })).toEqual(['groq/a', 'together/llama']);
    const nested = { targets: [{ provider: 'groq', model: 'a' }, { targets: [{ provider: 'together', model: 'other' }] }] };
    expect(errorOf(() => plan(nested, {}, { key: limited }))).toMatchObject({ code: 'model_not_allowed', status: 403, message: expect.stringContaining('"together/other"') });
    const fallback = { targets: [{ provider: 'groq', model: 'a' }], fallbacks: { content_policy: [{ provider: 'openai-main', model: 'gpt-4o' }] } };
    expect(errorOf(() => plan(fallback, {}, { key: limited })).code).toBe('model_not_allowed');
    // A key allowed a configured model name is not thereby allowed its deployments inline.
    expect(errorOf(() => plan({ targets: [{ provider: 'openai-main', model: 'gpt-4o-mini' }] }, {}, { key: { id: 'k', models: ['fast'] } })).code).toBe('model_not_allowed');
  });
});

describe('keyAllowsModel', () => {
  it('treats a missing list as everything', () => {
    expect(keyAllowsModel(undefined, 'anything')).toBe(true);
    expect(keyAllowsModel([], 'anything')).toBe(false);
  });
});

describe('weightedOrder', () => {
  it('puts zero-weight targets last and never drops any', () => {
    const ordered = weightedOrder([{ provider: 'a', weight: 0 }, { provider: 'b', weight: 1 }], () => 0.99);
    expect(ordered.map((target) => target.provider)).toEqual(['b', 'a']);
  });
});
