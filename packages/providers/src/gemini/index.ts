export { createGeminiAdapter } from './adapter.ts';
export { geminiDefaultBaseUrl } from './api.ts';
