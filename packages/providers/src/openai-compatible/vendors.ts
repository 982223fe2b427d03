import type { ProviderType } from '../types.ts';

/**
 * The OpenAI-compatible vendors, described as data: they speak OpenAI's protocol at their own base URL,
 * so one adapter serves them all. `streamOptions: false` marks upstreams that reject
 * `stream_options` (Mistral answers 422) and report usage in their last chunk on their own.
 */
export interface OpenAiCompatibleVendor {
  /** Absent when every provider of the type must configure its own (`openai-compatible`). */
  defaultBaseUrl?: string;
  apiKey: 'required' | 'optional';
  streamOptions: boolean;
}

const vendors = {
  openai: { defaultBaseUrl: 'https://api.openai.com/v1', apiKey: 'required', streamOptions: true },
  groq: { defaultBaseUrl: 'https://api.groq.com/openai/v1', apiKey: 'required', streamOptions: true },
  mistral: { defaultBaseUrl: 'https://api.mistral.ai/v1', apiKey: 'required', streamOptions: false },
  together: { defaultBaseUrl: 'https://api.together.xyz/v1', apiKey: 'required', streamOptions: true },
  deepseek: { defaultBaseUrl: 'https://api.deepseek.com/v1', apiKey: 'required', streamOptions: true },
  openrouter: { defaultBaseUrl: 'https://openrouter.ai/api/v1', apiKey: 'required', streamOptions: true },
  fireworks: { defaultBaseUrl: 'https://api.fireworks.ai/inference/v1', apiKey: 'required', streamOptions: true },
  xai: { defaultBaseUrl: 'https://api.x.ai/v1', apiKey: 'required', streamOptions: true },
  ollama: { defaultBaseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'optional', streamOptions: true },
  // vLLM, LM Studio, LiteLLM, a company proxy…: base_url is required, a key only if the server wants one.
  'openai-compatible': { apiKey: 'optional', streamOptions: true },
} as const satisfies Partial<Record<ProviderType, OpenAiCompatibleVendor>>;

export type OpenAiCompatibleType = keyof typeof vendors;

export const openAiCompatibleVendors: Readonly<Record<OpenAiCompatibleType, OpenAiCompatibleVendor>> = vendors;

export function isOpenAiCompatibleType(type: ProviderType): type is OpenAiCompatibleType {
  return Object.hasOwn(vendors, type);
}
