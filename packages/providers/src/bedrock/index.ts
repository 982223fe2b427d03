export { createBedrockAdapter, type BedrockAdapterOptions } from './adapter.ts';

/** Bedrock has no single default: the endpoint follows from the region (see api.ts). */
export const bedrockDefaultBaseUrl: string | undefined = undefined;
