import { GatewayError } from '@gateway/contracts';
import { anthropicDefaultBaseUrl, createAnthropicAdapter } from './anthropic/index.ts';
import { createAzureOpenAiAdapter } from './azure-openai/index.ts';
import { bedrockDefaultBaseUrl, createBedrockAdapter } from './bedrock/index.ts';
import { createGeminiAdapter, geminiDefaultBaseUrl } from './gemini/index.ts';
import { createVendorAdapter, isOpenAiCompatibleType, openAiCompatibleVendors } from './openai-compatible/index.ts';
import { providerTypes, type AdapterOptions, type ProviderAdapter, type ProviderSettings, type ProviderType } from './types.ts';

/** The provider types createAdapter can build. */
export const supportedProviderTypes: readonly ProviderType[] = providerTypes;

/**
 * The adapter for a configured provider. Throws GatewayError('invalid_request') for settings it cannot
 * work with (no base URL where one is needed, no key where one is required).
 */
export function createAdapter(settings: ProviderSettings, options: AdapterOptions = {}): ProviderAdapter {
  const type = settings.type;
  switch (type) {
    case 'azure-openai':
      return createAzureOpenAiAdapter(settings, options);
    case 'anthropic':
      return createAnthropicAdapter(settings, options);
    case 'gemini':
      return createGeminiAdapter(settings, options);
    case 'bedrock':
      return createBedrockAdapter(settings, options);
    default:
      if (isOpenAiCompatibleType(type)) return createVendorAdapter({ ...settings, type }, options);
      throw new GatewayError('invalid_request', `Provider type ${type} is not supported (provider ${settings.name})`, { param: 'type' });
  }
}

/**
 * The base URL a provider of this type uses when none is configured; undefined when it must be set
 * (or, for bedrock, when it follows from the region).
 */
export function defaultBaseUrl(type: ProviderType): string | undefined {
  if (type === 'anthropic') return anthropicDefaultBaseUrl;
  if (type === 'gemini') return geminiDefaultBaseUrl;
  if (type === 'bedrock') return bedrockDefaultBaseUrl;
  if (!isOpenAiCompatibleType(type)) return undefined;
  return openAiCompatibleVendors[type].defaultBaseUrl;
}
