export { testServiceUrls, uniqueName } from './test-env.ts';
export { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions, type RecordedRequest } from './fake-openai.ts';
export { defaultErrorBody, type FakeFault } from './fake-openai-faults.ts';
export {
  countTokens,
  defaultEmbeddingDimensions,
  embeddingVector,
  type FakeUsage,
} from './fake-openai-content.ts';
