import { describe, expect, it } from 'vitest';
import type { ModelRecord } from '@gateway/db';
import { parseRoutingForm, routingText } from './routing-form.ts';

const providers = new Set(['openai-main', 'anthropic-main']);
const stored: ModelRecord = {
  id: 'model_1',
  name: 'smart',
  strategy: 'loadbalance',
  targets: [{ provider: 'anthropic-main', model: 'claude-sonnet-4', weight: 1 }],
  price: { inputPerMillion: 3, outputPerMillion: 15 },
  routing: { retry: { attempts: 1 } },
  cache: { mode: 'exact', ttl: 900 },
  guardrails: ['soft-pii'],
  source: 'api',
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

const message = (text: string) => {
  const result = parseRoutingForm(text, stored, providers);
  return result.ok ? undefined : result.message;
};

describe('routingText', () => {
  it('holds the strategy, the targets and the routing settings, nothing else of the model', () => {
    expect(JSON.parse(routingText(stored))).toEqual({ strategy: 'loadbalance', targets: stored.targets, retry: { attempts: 1 } });
  });
});

describe('parseRoutingForm', () => {
  it('gives back the whole model: the new routing with the stored name, price, cache and guardrails', () => {
    const routing = {
      strategy: 'fallback',
      targets: [
        { provider: 'anthropic-main', model: 'claude-sonnet-4' },
        { name: 'backup', strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 3 }] },
      ],
      timeout_ms: 30000,
      hedge: { after_ms: 2000 },
    };
    const result = parseRoutingForm(JSON.stringify(routing), stored, providers);
    expect(result).toEqual({
      ok: true,
      input: {
        name: 'smart',
        strategy: 'fallback',
        targets: [
          { provider: 'anthropic-main', model: 'claude-sonnet-4', weight: 1 },
          { name: 'backup', strategy: 'loadbalance', weight: 1, targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 3 }] },
        ],
        routing: { timeout_ms: 30000, hedge: { after_ms: 2000 } },
        price: stored.price,
        cache: stored.cache,
        guardrails: stored.guardrails,
        source: 'api',
      },
    });
  });

  it('a round trip through the edit text changes nothing', () => {
    const result = parseRoutingForm(routingText(stored), stored, providers);
    expect(result).toMatchObject({ ok: true, input: { strategy: stored.strategy, targets: stored.targets, routing: stored.routing, price: stored.price, cache: stored.cache, guardrails: stored.guardrails } });
  });

  it('refuses what gateway.yaml refuses, with its message', () => {
    const targets = [{ provider: 'anthropic-main', model: 'claude-sonnet-4' }];
    expect(message(JSON.stringify({ targets: [{ provider: 'nobody', model: 'x' }] }))).toBe('targets.0.provider: unknown provider "nobody" (declare it under providers)');
    expect(message(JSON.stringify({ strategy: 'conditional', targets }))).toBe('strategy: strategy conditional needs conditions: [{ when, then }]');
    expect(message(JSON.stringify({ strategy: 'sometimes', targets }))).toMatch(/^strategy: /);
    expect(message(JSON.stringify({ targets: [] }))).toBe('targets: a model needs at least one target');
    expect(message(JSON.stringify({ targets, fallbacks: { context_window: [{ provider: 'nobody', model: 'long' }] } }))).toBe(
      'fallbacks.context_window.0.provider: unknown provider "nobody" (declare it under providers)',
    );
    expect(message(JSON.stringify({ targets, colour: 'red' }))).toMatch(/colour/);
  });

  it('refuses the model’s other fields, which stay as stored', () => {
    const targets = [{ provider: 'anthropic-main', model: 'claude-sonnet-4' }];
    expect(message(JSON.stringify({ name: 'renamed', targets }))).toBe('name: not part of the routing; it is kept as stored (change it on the Models page)');
    expect(message(JSON.stringify({ targets, price: { input_per_million: 1, output_per_million: 2 } }))).toMatch(/^price: not part of the routing/);
    expect(message(JSON.stringify({ targets, cache: { mode: 'off' } }))).toMatch(/^cache: not part of the routing/);
    expect(message(JSON.stringify({ targets, guardrails: [] }))).toMatch(/^guardrails: not part of the routing/);
  });

  it('refuses text that is not a JSON object', () => {
    expect(message('{ strategy: fallback')).toBe('The routing is not valid JSON');
    expect(message('[]')).toBe('routing: expected an object with strategy and targets');
    expect(message('null')).toBe('routing: expected an object with strategy and targets');
  });
});
