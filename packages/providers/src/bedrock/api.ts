import { GatewayError } from '@gateway/contracts';
import type { ProviderSettings } from '../types.ts';

/**
 * Where to call Bedrock: the runtime endpoint of the region (or a configured base URL: a VPC endpoint,
 * a test server) and the Converse paths. How requests are authenticated is in signing.ts.
 */

export type BedrockOperation = 'converse' | 'converse-stream';

/** `settings.region`, else the standard AWS environment; an adapter without a region cannot work. */
export function bedrockRegion(settings: ProviderSettings, environment: NodeJS.ProcessEnv = process.env): string {
  const region = settings.region ?? environment.AWS_REGION ?? environment.AWS_DEFAULT_REGION;
  if (!region) {
    throw new GatewayError(
      'invalid_request',
      `provider ${settings.name} (type bedrock) needs a region: set region, or AWS_REGION in the environment`,
      { param: 'region' },
    );
  }
  return region;
}

export function bedrockBaseUrl(settings: ProviderSettings, region: string): string {
  return (settings.baseUrl ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(/\/+$/, '');
}

/**
 * `{base}/model/{modelId}/converse[-stream]`. The model id is percent-encoded as one path segment
 * (ARNs hold `:` and `/`); the signature is computed over this same encoded path.
 */
export function converseUrl(baseUrl: string, modelId: string, operation: BedrockOperation): string {
  return `${baseUrl}/model/${encodeURIComponent(modelId)}/${operation}`;
}
