import { describe, expect, it } from 'vitest';
import { defaultRetry } from '@gateway/config';
import { effectiveRetry, formatDuration, retryParts, routingView, viewDeployments, type DeploymentView, type GroupView } from './routing-view.ts';

const model = {
  strategy: 'fallback' as const,
  targets: [
    { name: 'primary', provider: 'anthropic-main', model: 'claude-sonnet-4', retry: { attempts: 1 }, timeout_ms: 20000, ttft_timeout_ms: 5000, rpm: 600, price: { input_per_mtok: 3, output_per_mtok: 15 } },
    {
      name: 'backup',
      strategy: 'conditional',
      retry: { initial_backoff_ms: 100 },
      conditions: [{ when: { 'metadata.tier': 'free' }, then: 'cheap' }],
      default: 'mini',
      targets: [
        { name: 'cheap', provider: 'groq-main', model: 'llama', weight: 3 },
        { name: 'mini', provider: 'openai-main', model: 'gpt-4o-mini', weight: 0 },
      ],
    },
  ],
  routing: {
    retry: { on_status_codes: [429, 503] },
    timeout_ms: 60000,
    hedge: { after_ms: 2000 },
    fallbacks: { context_window: [{ provider: 'anthropic-main', model: 'claude-long', retry: { attempts: 0 } }] },
  },
};

describe('routingView', () => {
  it('shows the tree with paths, group strategies, weights, limits, timeouts and prices', () => {
    const result = routingView(model);
    if (!result.ok) throw new Error(result.message);
    const { view } = result;
    expect(view).toMatchObject({ strategy: 'fallback', deadlineMs: 60000, hedgeAfterMs: 2000, conditions: [] });
    const [primary, backup] = view.targets as [DeploymentView, GroupView];
    expect(primary).toMatchObject({ kind: 'deployment', path: '0', name: 'primary', provider: 'anthropic-main', model: 'claude-sonnet-4', weight: 1, rpm: 600, price: { input: 3, output: 15 }, timeouts: { requestMs: 20000, ttftMs: 5000 } });
    expect(primary).not.toHaveProperty('tpm');
    expect(backup).toMatchObject({ kind: 'group', path: '1', name: 'backup', strategy: 'conditional', weight: 1, default: 'mini', conditions: [{ when: '{"metadata.tier":"free"}', then: 'cheap' }] });
    expect(backup.targets.map((target) => [target.path, target.kind === 'deployment' && `${target.provider}/${target.model}`, target.weight])).toEqual([
      ['1.0', 'groq-main/llama', 3],
      ['1.1', 'openai-main/gpt-4o-mini', 0],
    ]);
    expect(view.fallbacks.contextWindow).toMatchObject([{ path: 'fallbacks.context_window.0', provider: 'anthropic-main', model: 'claude-long' }]);
    expect(viewDeployments(view).map((deployment) => deployment.path)).toEqual(['0', '1.0', '1.1', 'fallbacks.context_window.0']);
  });

  it('merges retry field by field as the router does (target, groups, model, defaults), saying where each comes from', () => {
    const result = routingView(model);
    if (!result.ok) throw new Error(result.message);
    const [primary, cheap, , long] = viewDeployments(result.view);
    expect(primary!.retry).toEqual({
      attempts: { value: 1, from: 'target' },
      onStatusCodes: { value: [429, 503], from: 'model' },
      initialBackoffMs: { value: defaultRetry.initial_backoff_ms, from: 'default' },
      maxBackoffMs: { value: defaultRetry.max_backoff_ms, from: 'default' },
      maxRetryAfterMs: { value: defaultRetry.max_retry_after_ms, from: 'default' },
    });
    expect(cheap!.retry).toMatchObject({ attempts: { value: 2, from: 'default' }, onStatusCodes: { from: 'model' }, initialBackoffMs: { value: 100, from: 'group' } });
    // Fallback lists use the model's retry and their own targets'.
    expect(long!.retry).toMatchObject({ attempts: { value: 0, from: 'target' }, onStatusCodes: { from: 'model' }, initialBackoffMs: { from: 'default' } });
    expect(result.view.retry).toMatchObject({ attempts: { value: 2, from: 'default' }, onStatusCodes: { value: [429, 503], from: 'model' } });
  });

  it('a model without settings runs on the defaults, with no deadline, hedging or fallbacks', () => {
    const result = routingView({ strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini' }], routing: {} });
    if (!result.ok) throw new Error(result.message);
    expect(result.view).not.toHaveProperty('deadlineMs');
    expect(result.view).not.toHaveProperty('hedgeAfterMs');
    expect(result.view.fallbacks).toEqual({ contextWindow: [], contentPolicy: [] });
    expect(retryParts(result.view.retry).every((part) => part.from === 'default')).toBe(true);
  });

  it('says why a stored model does not validate (the router leaves it out)', () => {
    expect(routingView({ strategy: 'conditional', targets: [{ provider: 'openai-main', model: 'gpt-4o' }], routing: {} })).toEqual({
      ok: false,
      message: 'strategy: strategy conditional needs conditions: [{ when, then }]',
    });
  });
});

describe('retryParts', () => {
  it('says each field with the layer that set it, the defaults filling the rest', () => {
    const retry = effectiveRetry([
      { from: 'model', retry: { on_status_codes: [429] } },
      { from: 'target', retry: { attempts: 1 } },
    ]);
    expect(retryParts(retry)).toEqual([
      { text: '1 retry', from: 'target' },
      { text: 'on 429', from: 'model' },
      { text: 'backoff 250 ms', from: 'default' },
      { text: 'max backoff 8 s', from: 'default' },
      { text: 'Retry-After ≤ 30 s', from: 'default' },
    ]);
    expect(retryParts(effectiveRetry([]))[0]).toEqual({ text: '2 retries', from: 'default' });
  });
});

describe('formatDuration', () => {
  it('writes milliseconds as config would', () => {
    expect([0, 250, 1000, 1500, 8000, 60_000, 90_000, 120_000].map(formatDuration)).toEqual(['0 ms', '250 ms', '1 s', '1.5 s', '8 s', '1 min', '90 s', '2 min']);
  });
});
