import { GatewayError } from '@gateway/contracts';
import type { AdapterOptions, ProviderAdapter, ProviderSettings } from '../types.ts';

/** Placeholder replaced by the gemini adapter in this change. */
export function createGeminiAdapter(settings: ProviderSettings, _options: AdapterOptions = {}): ProviderAdapter {
  throw new GatewayError('invalid_request', `Provider type gemini is not implemented yet (provider ${settings.name})`);
}

export const geminiDefaultBaseUrl: string | undefined = undefined;
