import { GatewayError } from '@gateway/contracts';
import type { AdapterOptions, ProviderAdapter, ProviderSettings } from '../types.ts';
import { openAiCompatibleApi } from './api.ts';
import { createOpenAiCompatibleAdapter } from './adapter.ts';
import { openAiCompatibleVendors, type OpenAiCompatibleType } from './vendors.ts';

export { createOpenAiCompatibleAdapter } from './adapter.ts';
export { commonHeaders, openAiCompatibleApi, trimTrailingSlashes, type OpenAiCompatibleApi } from './api.ts';
export {
  isOpenAiCompatibleType,
  openAiCompatibleVendors,
  type OpenAiCompatibleType,
  type OpenAiCompatibleVendor,
} from './vendors.ts';

/** An adapter for one of the vendors in vendors.ts, at its default base URL unless one is configured. */
export function createVendorAdapter(
  settings: ProviderSettings & { type: OpenAiCompatibleType },
  options: AdapterOptions = {},
): ProviderAdapter {
  const vendor = openAiCompatibleVendors[settings.type];
  const baseUrl = settings.baseUrl ?? vendor.defaultBaseUrl;
  if (!baseUrl) {
    throw new GatewayError('invalid_request', `provider ${settings.name} (type ${settings.type}) needs a base URL`, {
      param: 'base_url',
    });
  }
  if (vendor.apiKey === 'required' && !settings.apiKey) {
    throw new GatewayError('invalid_request', `provider ${settings.name} (type ${settings.type}) needs an API key`, {
      param: 'api_key',
    });
  }
  return createOpenAiCompatibleAdapter(settings, openAiCompatibleApi(settings, baseUrl, vendor.streamOptions), options);
}
