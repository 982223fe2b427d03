export * from './types.ts';
export { createAdapter, defaultBaseUrl, supportedProviderTypes } from './create-adapter.ts';
export {
  ProviderError,
  isProviderError,
  refusalKind,
  retryAfterMsFrom,
  safeUpstreamMessage,
  scrubSecrets,
  upstreamErrorMessage,
  type ProviderErrorKind,
  type ProviderErrorOptions,
} from './errors.ts';
export type { ExecutorClock } from './execution/clock.ts';
export type { RetryBudgetSettings } from './execution/retry-budget.ts';
export { defaultRetryPolicy } from './execution/retry-policy.ts';
export {
  attemptsOf,
  createExecutor,
  defaultTimeoutMs,
  type AttemptRecord,
  type DeploymentHealthWriter,
  type ExecuteOptions,
  type Execution,
  type ExecutionError,
  type ExecutionTarget,
  type Executor,
  type ExecutorLogger,
  type ExecutorOptions,
} from './executor.ts';
export { closeSharedDispatcher, sharedDispatcher } from './dispatcher.ts';
export { costUsd, priceFor, type Price } from './prices.ts';
export { chunkVisibleToClient, clientAskedForUsage } from './stream-usage.ts';
export { defaultAzureApiVersion } from './azure-openai/index.ts';
export { openAiCompatibleVendors, type OpenAiCompatibleType } from './openai-compatible/index.ts';
export { enforceStrict, unsupportedSetting } from './warnings.ts';
export { fetchImage } from './images/fetch-image.ts';
export { imageBytes, parseDataUrl, type ImageBytes } from './images/image-source.ts';
