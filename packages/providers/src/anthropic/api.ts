import { GatewayError } from '@gateway/contracts';
import type { PassthroughTarget, ProviderSettings } from '../types.ts';

export const anthropicDefaultBaseUrl = 'https://api.anthropic.com';

/** The `anthropic-version` sent when a provider sets none: the current (and only stable) version. */
export const defaultAnthropicVersion = '2023-06-01';

/** Where to call Anthropic: URLs and headers. The mapping lives in the other files of this folder. */
export interface AnthropicApi {
  messagesUrl: string;
  countTokensUrl: string;
  headers(call: { stream: boolean }): Record<string, string>;
  passthrough(): PassthroughTarget;
}

/**
 * The origin-level base: trailing slashes and a trailing `/v1` are removed, since the endpoints are
 * `/v1/...` paths (and pass-through clients send `/v1/...` paths too). A base URL configured as
 * `https://api.anthropic.com/v1`, as some SDKs document it, therefore works as well.
 */
export function anthropicBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function anthropicApi(settings: ProviderSettings): AnthropicApi {
  const apiKey = settings.apiKey;
  if (!apiKey) {
    throw new GatewayError('invalid_request', `provider ${settings.name} (type anthropic) needs an API key`, {
      param: 'api_key',
    });
  }
  const base = anthropicBase(settings.baseUrl ?? anthropicDefaultBaseUrl);
  // Configured headers (e.g. `anthropic-beta`) may replace the version, never the key.
  const credentials = (): Record<string, string> => ({
    'anthropic-version': settings.apiVersion ?? defaultAnthropicVersion,
    ...settings.headers,
    'x-api-key': apiKey,
  });
  return {
    messagesUrl: `${base}/v1/messages`,
    countTokensUrl: `${base}/v1/messages/count_tokens`,
    headers: (call) => ({
      'content-type': 'application/json',
      accept: call.stream ? 'text/event-stream' : 'application/json',
      ...credentials(),
    }),
    passthrough: () => ({ baseUrl: base, headers: credentials() }),
  };
}
