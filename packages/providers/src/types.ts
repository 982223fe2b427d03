import type { Dispatcher } from 'undici';
import type {
  AnthropicCountTokensRequest,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicStreamEvent,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
} from '@gateway/contracts';

/**
 * The adapter spec. The gateway's canonical request and response are OpenAI chat-completions shaped;
 * an adapter translates them to and from its provider's protocol ("how to map") and knows where to
 * call ("where to call", see each provider folder's `api.ts`). Adapters never import each other.
 */

export const providerTypes = [
  'openai',
  'azure-openai',
  'openai-compatible',
  'groq',
  'mistral',
  'together',
  'deepseek',
  'openrouter',
  'fireworks',
  'xai',
  'ollama',
  'anthropic',
  'gemini',
  'bedrock',
] as const;
export type ProviderType = (typeof providerTypes)[number];

/** A provider as configured, secrets already decrypted. */
export interface ProviderSettings {
  name: string;
  type: ProviderType;
  baseUrl?: string;
  apiKey?: string;
  /** Azure OpenAI `api-version`. */
  apiVersion?: string;
  /** Extra headers sent upstream on every call. */
  headers?: Record<string, string>;
  /** Per-attempt timeout in ms (default 60000). */
  timeoutMs?: number;
  /** AWS region (bedrock), e.g. `us-east-1`; default: the standard AWS environment (`AWS_REGION`). */
  region?: string;
  /**
   * AWS credentials (bedrock). Absent: the standard AWS credential chain (environment, shared files,
   * container and instance roles). With `apiKey` set instead, Bedrock is called with that API key.
   */
  aws?: AwsCredentials;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Token usage, normalised across providers: `inputTokens` counts every input token (cached ones
 * included), `outputTokens` every output token (reasoning included); the optional parts say how many of
 * them were read from or written to a prompt cache, or spent on reasoning, so cost can be priced right.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, read from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** Of `inputTokens`, written to the provider's prompt cache (Anthropic, Bedrock). */
  cacheWriteInputTokens?: number;
  /** Of `outputTokens`, spent on reasoning. */
  reasoningTokens?: number;
}

export const unifiedFinishReasons = ['stop', 'length', 'tool_calls', 'content_filter', 'error', 'other'] as const;
export type UnifiedFinishReason = (typeof unifiedFinishReasons)[number];

/** Kept as both: the unified value for logic, the provider's raw value for fidelity. */
export interface FinishReason {
  unified: UnifiedFinishReason;
  raw: string | null;
}

/** Something the provider cannot do that the request asked for; reported, never silently clamped. */
export interface Warning {
  type: 'unsupported-setting' | 'other';
  setting?: string;
  message: string;
}

export interface CallOptions {
  /** The model name the upstream expects. */
  model: string;
  requestId: string;
  signal?: AbortSignal;
  /**
   * Strict mode: a request asking for something the provider cannot do fails with invalid_request
   * (400) naming it, instead of going ahead with a warning (see `enforceStrict`).
   */
  strict?: boolean;
}

export interface ChatCall extends CallOptions {
  request: ChatCompletionRequest;
}

export interface EmbeddingsCall extends CallOptions {
  request: EmbeddingsRequest;
}

export interface ChatResult {
  response: ChatCompletion;
  usage: Usage;
  finishReason: FinishReason;
  warnings: Warning[];
}

/** Parts of a chat stream. Chunks are OpenAI-shaped whatever the provider spoke. */
export type StreamPart =
  | {
      type: 'chunk';
      chunk: ChatCompletionChunk;
      /**
       * True for the last, usage-only chunk (empty `choices`, `usage` set). Adapters always ask the
       * upstream for usage, so this chunk comes whether or not the client asked for it: forward it only
       * to clients that sent `stream_options.include_usage` (see `chunkVisibleToClient`).
       */
      usageOnly?: boolean;
    }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage | null };

export interface ChatStreamResult {
  /** Opening the stream succeeded (status 2xx) before this resolves; parts then follow. */
  parts: AsyncIterable<StreamPart>;
  warnings: Warning[];
}

export interface MessagesCall extends CallOptions {
  request: AnthropicMessagesRequest;
}

export interface CountTokensCall extends CallOptions {
  request: AnthropicCountTokensRequest;
}

export interface MessagesResult {
  response: AnthropicMessage;
  usage: Usage;
  finishReason: FinishReason;
  warnings: Warning[];
}

/** Parts of a streamed Anthropic message: its events as the client gets them, then a finish part. */
export type MessagesStreamPart =
  | { type: 'event'; event: AnthropicStreamEvent }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage | null };

export interface MessagesStreamResult {
  parts: AsyncIterable<MessagesStreamPart>;
  warnings: Warning[];
}

export interface EmbeddingsResult {
  response: EmbeddingsResponse;
  usage: Usage;
  warnings: Warning[];
}

export interface ProviderAdapter {
  readonly settings: ProviderSettings;
  chat(call: ChatCall): Promise<ChatResult>;
  chatStream(call: ChatCall): Promise<ChatStreamResult>;
  embeddings(call: EmbeddingsCall): Promise<EmbeddingsResult>;
  /**
   * The Anthropic Messages protocol spoken natively (an Anthropic upstream): the request passes through
   * with only `model` replaced. Adapters without it are reached from `/v1/messages` through the
   * translation in `anthropic-surface/`.
   */
  messages?(call: MessagesCall): Promise<MessagesResult>;
  messagesStream?(call: MessagesCall): Promise<MessagesStreamResult>;
  countTokens?(call: CountTokensCall): Promise<{ inputTokens: number }>;
  /**
   * Where pass-through calls (`/passthrough/<provider>/*`) go and the headers that authenticate them;
   * absent when the provider cannot be reached that way (e.g. Bedrock, whose requests are signed).
   */
  passthrough?(): PassthroughTarget;
}

export interface PassthroughTarget {
  /** The provider's base URL: the pass-through path is appended to it, never replaces its origin. */
  baseUrl: string;
  /** Headers that carry the provider's credential (and version headers); they replace the client's. */
  headers: Record<string, string>;
}

/** Fetches an image the request only names by URL, for providers that need the bytes (SSRF-guarded). */
export type ImageFetcher = (url: string, signal?: AbortSignal) => Promise<{ mediaType: string; data: Buffer }>;

export interface AdapterOptions {
  /**
   * The undici dispatcher upstream calls go through; default: the shared keep-alive Agent
   * (`sharedDispatcher()`). Tests can inject a MockAgent or a dedicated Agent.
   */
  dispatcher?: Dispatcher;
  /** How images given by URL are fetched for providers that need bytes; default: `fetchImage` (SSRF-guarded). */
  fetchImage?: ImageFetcher;
}
