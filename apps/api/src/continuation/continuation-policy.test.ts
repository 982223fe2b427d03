import { describe, expect, it } from 'vitest';
import type { Plan } from '@gateway/contracts';
import { continuesPrefill, prefillTargets, remainingPlan } from './continuation-policy.ts';

describe('continuation targets', () => {
  it('only Anthropic, and Anthropic models on Bedrock, continue a prefill', () => {
    expect(continuesPrefill('anthropic', 'claude-sonnet-4-5')).toBe(true);
    expect(continuesPrefill('bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0')).toBe(true);
    expect(continuesPrefill('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe(true);
    expect(continuesPrefill('bedrock', 'us.amazon.nova-lite-v1:0')).toBe(false);
    expect(continuesPrefill('openai', 'gpt-4o-mini')).toBe(false);
    expect(continuesPrefill('openai-compatible', 'anthropic.claude')).toBe(false);
    expect(continuesPrefill(undefined, 'claude-sonnet-4-5')).toBe(false);
  });

  it('the follow-up plan keeps the later targets (and dedicated fallbacks) that continue a prefill', () => {
    const types = new Map([
      ['oai', 'openai'],
      ['claude', 'anthropic'],
      ['aws', 'bedrock'],
    ]);
    const plan: Plan = {
      model: 'm',
      strategy: 'fallback',
      hedge: { afterMs: 50 },
      targets: [
        { provider: 'claude', model: 'claude-a' },
        { provider: 'oai', model: 'gpt-4o' },
        { provider: 'aws', model: 'us.amazon.nova-lite-v1:0' },
        { provider: 'aws', model: 'anthropic.claude-b' },
      ],
      fallbacks: { contextWindow: [{ provider: 'oai', model: 'gpt-4.1' }, { provider: 'claude', model: 'claude-large' }], contentPolicy: [{ provider: 'oai', model: 'gpt-4.1' }] },
    };
    const continues = prefillTargets(types);
    expect(remainingPlan(plan, { provider: 'claude', model: 'claude-a' }, continues)).toEqual({
      model: 'm',
      strategy: 'fallback',
      hedge: { afterMs: 50 },
      targets: [{ provider: 'aws', model: 'anthropic.claude-b' }],
      fallbacks: { contextWindow: [{ provider: 'claude', model: 'claude-large' }] },
    });
    expect(remainingPlan(plan, { provider: 'aws', model: 'anthropic.claude-b' }, continues)).toBeUndefined();
    expect(remainingPlan({ ...plan, targets: plan.targets.slice(0, 3) }, { provider: 'claude', model: 'claude-a' }, continues)).toBeUndefined();
  });
});
