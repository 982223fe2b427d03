import type { PassthroughTarget, ProviderSettings } from '../types.ts';

/**
 * Where to call an OpenAI-protocol upstream: URLs and headers. The mapping (chat.ts, chat-stream.ts,
 * embeddings.ts) is the same for every such upstream; only this differs (see azure-openai/api.ts).
 */
export interface OpenAiCompatibleApi {
  chatUrl(model: string): string;
  embeddingsUrl(model: string): string;
  headers(call: { requestId: string; stream: boolean }): Record<string, string>;
  /** Whether the upstream accepts `stream_options.include_usage` (see vendors.ts). */
  streamOptions: boolean;
  /** Where `/passthrough/<provider>/*` goes: the configured base URL, with the provider's credential. */
  passthrough(): PassthroughTarget;
}

export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Headers every OpenAI-protocol call sends; `auth` is the provider's own authentication header. */
export function commonHeaders(
  settings: ProviderSettings,
  auth: Record<string, string>,
  call: { requestId: string; stream: boolean },
): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: call.stream ? 'text/event-stream' : 'application/json',
    // Our request id, so upstreams and proxies that log it (vLLM does) can be matched with our logs.
    'x-request-id': call.requestId,
    ...settings.headers,
    ...auth,
  };
}

/** `{baseUrl}/chat/completions` and `{baseUrl}/embeddings`, with `Authorization: Bearer <key>`. */
export function openAiCompatibleApi(settings: ProviderSettings, baseUrl: string, streamOptions: boolean): OpenAiCompatibleApi {
  const base = trimTrailingSlashes(baseUrl);
  const auth: Record<string, string> = settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {};
  return {
    chatUrl: () => `${base}/chat/completions`,
    embeddingsUrl: () => `${base}/embeddings`,
    headers: (call) => commonHeaders(settings, auth, call),
    streamOptions,
    passthrough: () => ({ baseUrl: base, headers: { ...settings.headers, ...auth } }),
  };
}
