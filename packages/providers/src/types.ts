import type { Dispatcher } from 'undici';
import type {
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
  // Declared now so config and the adapter interface are shaped for them; implemented in a later issue.
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
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
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
}

export interface AdapterOptions {
  /**
   * The undici dispatcher upstream calls go through; default: the shared keep-alive Agent
   * (`sharedDispatcher()`). Tests can inject a MockAgent or a dedicated Agent.
   */
  dispatcher?: Dispatcher;
}
