import { GatewayError } from '@gateway/contracts';
import type { AdapterOptions, ProviderAdapter, ProviderSettings } from '../types.ts';

/** Placeholder replaced by the bedrock adapter in this change. */
export function createBedrockAdapter(settings: ProviderSettings, _options: AdapterOptions = {}): ProviderAdapter {
  throw new GatewayError('invalid_request', `Provider type bedrock is not implemented yet (provider ${settings.name})`);
}

export const bedrockDefaultBaseUrl: string | undefined = undefined;
