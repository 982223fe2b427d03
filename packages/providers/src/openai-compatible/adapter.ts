import { postJson, readJson, upstreamClient } from '../http.ts';
import type { AdapterOptions, ChatCall, ProviderAdapter, ProviderSettings } from '../types.ts';
import { enforceStrict } from '../warnings.ts';
import type { OpenAiCompatibleApi } from './api.ts';
import { chatRequestBody, toChatCompletion, upstreamChatCompletionSchema } from './chat.ts';
import { chatStreamParts } from './chat-stream.ts';
import { embeddingsRequestBody, toEmbeddingsResponse, upstreamEmbeddingsSchema } from './embeddings.ts';
import { unifyFinishReason } from './finish-reason.ts';
import { toUsage } from './usage.ts';

/**
 * The adapter for any upstream that speaks OpenAI's chat-completions protocol; `api` says where to call.
 * It makes exactly one HTTP call per method: retries and fallbacks belong to the executor.
 */
export function createOpenAiCompatibleAdapter(
  settings: ProviderSettings,
  api: OpenAiCompatibleApi,
  options: AdapterOptions = {},
): ProviderAdapter {
  const provider = settings.name;
  const client = upstreamClient(settings, options);

  /** The chat body and headers, once strict mode accepted the request. */
  function chatRequest(call: ChatCall, stream: boolean) {
    const { body, warnings } = chatRequestBody(call.request, call.model, {
      stream,
      streamOptions: api.streamOptions,
      provider,
      providerType: settings.type,
    });
    enforceStrict(warnings, call.strict, provider);
    return { body, warnings, headers: api.headers({ requestId: call.requestId, stream }) };
  }

  return {
    settings,

    passthrough: () => api.passthrough(),

    async chat(call) {
      const { body, warnings, headers } = chatRequest(call, false);
      const response = await postJson(client, api.chatUrl(call.model), headers, body, call.signal);
      const upstream = await readJson(client, response, upstreamChatCompletionSchema, call.signal);
      if (!upstream.usage) warnings.push({ type: 'other', message: `provider ${provider} reported no token usage` });
      return {
        response: toChatCompletion(upstream, call.model),
        usage: upstream.usage ? toUsage(upstream.usage) : { inputTokens: 0, outputTokens: 0 },
        finishReason: unifyFinishReason(upstream.choices[0]?.finish_reason),
        warnings,
      };
    },

    async chatStream(call) {
      const { body, warnings, headers } = chatRequest(call, true);
      const response = await postJson(client, api.chatUrl(call.model), headers, body, call.signal);
      return { parts: chatStreamParts(client, response, call.signal), warnings };
    },

    async embeddings(call) {
      const headers = api.headers({ requestId: call.requestId, stream: false });
      const body = embeddingsRequestBody(call.request, call.model);
      const response = await postJson(client, api.embeddingsUrl(call.model), headers, body, call.signal);
      const upstream = await readJson(client, response, upstreamEmbeddingsSchema, call.signal);
      const { response: embeddings, usage } = toEmbeddingsResponse(upstream, call.model);
      return { response: embeddings, usage, warnings: [] };
    },
  };
}
