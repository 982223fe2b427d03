import { describe, expect, it } from 'vitest';
import { modelMetricLabel } from './metrics.ts';

const catalog = { isConfiguredModel: (name: string) => name === 'fast', isProvider: (name: string) => name === 'openai-main' };

describe('modelMetricLabel', () => {
  it('keeps configured names, folds direct addressing per provider, and hides everything else', () => {
    expect(modelMetricLabel('fast', catalog)).toBe('fast');
    expect(modelMetricLabel('openai-main/gpt-4o', catalog)).toBe('openai-main/*');
    expect(modelMetricLabel('random-junk-123', catalog)).toBe('unknown');
    expect(modelMetricLabel('nobody/gpt-4o', catalog)).toBe('unknown');
  });
});
