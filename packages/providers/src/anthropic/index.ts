import { GatewayError } from '@gateway/contracts';
import type { AdapterOptions, ProviderAdapter, ProviderSettings } from '../types.ts';

/** Placeholder replaced by the anthropic adapter in this change. */
export function createAnthropicAdapter(settings: ProviderSettings, _options: AdapterOptions = {}): ProviderAdapter {
  throw new GatewayError('invalid_request', `Provider type anthropic is not implemented yet (provider ${settings.name})`);
}

export const anthropicDefaultBaseUrl: string | undefined = undefined;
