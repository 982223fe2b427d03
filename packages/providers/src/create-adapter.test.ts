import { describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { createAdapter, defaultBaseUrl, supportedProviderTypes } from './create-adapter.ts';
import { providerTypes } from './types.ts';

describe('createAdapter', () => {
  it.each(['anthropic', 'gemini', 'bedrock'] as const)('says plainly that %s is not supported yet', (type) => {
    const attempt = (): unknown => createAdapter({ name: 'later', type, apiKey: 'k' });
    expect(attempt).toThrow(GatewayError);
    expect(attempt).toThrow(`Provider type ${type} is not supported yet`);
  });

  it('builds every other declared type', () => {
    for (const type of providerTypes) {
      if (type === 'anthropic' || type === 'gemini' || type === 'bedrock') continue;
      expect(supportedProviderTypes).toContain(type);
      const adapter = createAdapter({ name: type, type, apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1' });
      expect(adapter.settings.type).toBe(type);
    }
  });

  it('needs a base URL for openai-compatible and a key for hosted vendors', () => {
    expect(() => createAdapter({ name: 'x', type: 'openai-compatible' })).toThrow(/base URL/);
    expect(() => createAdapter({ name: 'x', type: 'groq' })).toThrow(/API key/);
    expect(() => createAdapter({ name: 'x', type: 'ollama' })).not.toThrow();
  });

  it('knows default base URLs', () => {
    expect(defaultBaseUrl('openai')).toBe('https://api.openai.com/v1');
    expect(defaultBaseUrl('ollama')).toBe('http://127.0.0.1:11434/v1');
    expect(defaultBaseUrl('openai-compatible')).toBeUndefined();
    expect(defaultBaseUrl('azure-openai')).toBeUndefined();
  });
});
