import { GatewayError } from '@gateway/contracts';
import { createOpenAiCompatibleAdapter } from '../openai-compatible/index.ts';
import type { AdapterOptions, ProviderAdapter, ProviderSettings } from '../types.ts';
import { azureOpenAiApi } from './api.ts';

export { azureOpenAiApi, defaultAzureApiVersion } from './api.ts';

/** Azure OpenAI speaks OpenAI's protocol; only where to call differs (see api.ts). */
export function createAzureOpenAiAdapter(settings: ProviderSettings, options: AdapterOptions = {}): ProviderAdapter {
  if (!settings.baseUrl) {
    throw new GatewayError(
      'invalid_request',
      `provider ${settings.name} (type azure-openai) needs a base URL: https://<resource>.openai.azure.com`,
      { param: 'base_url' },
    );
  }
  if (!settings.apiKey) {
    throw new GatewayError('invalid_request', `provider ${settings.name} (type azure-openai) needs an API key`, {
      param: 'api_key',
    });
  }
  return createOpenAiCompatibleAdapter(settings, azureOpenAiApi(settings, settings.baseUrl), options);
}
