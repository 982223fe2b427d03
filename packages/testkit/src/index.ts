export { testServiceUrls, uniqueName } from './test-env.ts';
export { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions, type RecordedRequest } from './fake-openai.ts';
export { defaultErrorBody, type FakeFault } from './fake-openai-faults.ts';
export { countTokens } from './fake-tokens.ts';
export { defaultEmbeddingDimensions, embeddingVector, type FakeUsage } from './fake-openai-content.ts';
export { startFakeAnthropic, anthropicError, defaultAnthropicErrorBody, type FakeAnthropic, type FakeAnthropicFault, type FakeAnthropicOptions } from './fake-anthropic.ts';
export { startFakeBedrock, type FakeBedrock, type FakeBedrockFault, type FakeBedrockOptions, type FakeStreamException } from './fake-bedrock.ts';
export { defaultGoogleErrorBody, googleError, startFakeGemini, type FakeGemini, type FakeGeminiOptions } from './fake-gemini.ts';
