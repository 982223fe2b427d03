export { createAnthropicAdapter } from './adapter.ts';
export { anthropicDefaultBaseUrl, defaultAnthropicVersion } from './api.ts';
export { defaultMaxTokens } from './chat-request.ts';
