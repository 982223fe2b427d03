/**
 * OpenAI response shapes shared by the adapters that translate another protocol into OpenAI's
 * (anthropic, gemini, bedrock): one definition, so their answers agree. Not a provider folder.
 */
export { openAiFinishReason } from './finish-reason.ts';
export type { OpenAiToolCall } from './tool-call.ts';
export { toOpenAiUsage } from './usage.ts';
