import { GatewayError } from '@gateway/contracts';
import type { Warning } from './types.ts';

/**
 * Strict mode: warnings about what the provider cannot do become a 400 naming each of them, before
 * anything is sent upstream. Without strict mode the warnings travel with the result (and reach the
 * client in `x-gateway-warnings`). Every adapter calls this once its request body is built.
 */
export function enforceStrict(warnings: readonly Warning[], strict: boolean | undefined, provider: string): void {
  if (!strict || warnings.length === 0) return;
  const first = warnings.find((warning) => warning.setting !== undefined);
  throw new GatewayError(
    'invalid_request',
    `strict mode: provider ${provider} cannot do what the request asks: ${warnings.map((warning) => warning.message).join('; ')}`,
    { param: first?.setting ?? null, source: `provider:${provider}` },
  );
}

/** A warning for a request field the provider does not support, dropped from what is sent. */
export function unsupportedSetting(provider: string, setting: string, detail?: string): Warning {
  return {
    type: 'unsupported-setting',
    setting,
    message: `provider ${provider} does not support ${setting}${detail ? `: ${detail}` : ''}; it was not sent`,
  };
}
