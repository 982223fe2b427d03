import { GatewayError } from '@gateway/contracts';
import { createAzureOpenAiAdapter } from './azure-openai/index.ts';
import { createVendorAdapter, isOpenAiCompatibleType, openAiCompatibleVendors } from './openai-compatible/index.ts';
import type { AdapterOptions, ProviderAdapter, ProviderSettings, ProviderType } from './types.ts';

/** The provider types createAdapter can build today. */
export const supportedProviderTypes: readonly ProviderType[] = [
  'azure-openai',
  ...(Object.keys(openAiCompatibleVendors) as ProviderType[]),
];

/**
 * The adapter for a configured provider. Throws GatewayError('invalid_request') for settings it cannot
 * work with (no base URL where one is needed, no key where one is required) and for `anthropic`,
 * `gemini` and `bedrock`, which config accepts already and whose adapters come with the providers
 * issue (see README, Status).
 */
export function createAdapter(settings: ProviderSettings, options: AdapterOptions = {}): ProviderAdapter {
  const type = settings.type;
  if (type === 'azure-openai') return createAzureOpenAiAdapter(settings, options);
  if (isOpenAiCompatibleType(type)) return createVendorAdapter({ ...settings, type }, options);
  throw new GatewayError(
    'invalid_request',
    `Provider type ${type} is not supported yet (provider ${settings.name}); supported types: ${supportedProviderTypes.join(', ')}`,
    { param: 'type' },
  );
}

/** The base URL a provider of this type uses when none is configured; undefined when it must be set. */
export function defaultBaseUrl(type: ProviderType): string | undefined {
  if (!isOpenAiCompatibleType(type)) return undefined;
  return openAiCompatibleVendors[type].defaultBaseUrl;
}
