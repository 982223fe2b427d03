import { describe, expect, it } from 'vitest';
import { createAdapter, defaultBaseUrl, supportedProviderTypes } from './create-adapter.ts';
import { providerTypes } from './types.ts';

describe('createAdapter', () => {
  it('builds every declared type', () => {
    for (const type of providerTypes) {
      expect(supportedProviderTypes).toContain(type);
      const adapter = createAdapter({ name: type, type, apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1', region: 'us-east-1' });
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
