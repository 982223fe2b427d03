import { GatewayError } from '@gateway/contracts';
import { postJson, readJson, upstreamClient } from '../http.ts';
import type { AdapterOptions, ProviderAdapter, ProviderSettings } from '../types.ts';
import { enforceStrict } from '../warnings.ts';
import { anthropicApi } from './api.ts';
import { chatRequestBody } from './chat-request.ts';
import { toChatCompletion } from './chat-response.ts';
import { chatStreamParts } from './chat-stream.ts';
import { upstreamMessageSchema } from './message-schema.ts';
import { nativeCountTokens, nativeMessages, nativeMessagesStream } from './messages.ts';

/**
 * The adapter for Anthropic's Messages API: chat completions are translated (chat-request.ts,
 * chat-response.ts, chat-stream.ts), the Anthropic surface is passed through natively (messages.ts).
 * One HTTP call per method: retries and fallbacks belong to the executor.
 */
export function createAnthropicAdapter(settings: ProviderSettings, options: AdapterOptions = {}): ProviderAdapter {
  const provider = settings.name;
  const api = anthropicApi(settings);
  const client = upstreamClient(settings, options);

  return {
    settings,

    async chat(call) {
      const { body, warnings, responseTool } = chatRequestBody(call.request, call.model, { stream: false, provider });
      enforceStrict(warnings, call.strict, provider);
      const response = await postJson(client, api.messagesUrl, api.headers({ stream: false }), body, call.signal);
      const upstream = await readJson(client, response, upstreamMessageSchema, call.signal);
      return { ...toChatCompletion(upstream, call.model, responseTool), warnings };
    },

    async chatStream(call) {
      const { body, warnings, responseTool } = chatRequestBody(call.request, call.model, { stream: true, provider });
      enforceStrict(warnings, call.strict, provider);
      const response = await postJson(client, api.messagesUrl, api.headers({ stream: true }), body, call.signal);
      return { parts: chatStreamParts(client, response, call.signal, call.model, responseTool), warnings };
    },

    async embeddings() {
      throw new GatewayError('invalid_request', `provider ${provider} (type anthropic) has no embeddings API`, { param: 'model' });
    },

    messages: (call) => nativeMessages(client, api, call),
    messagesStream: (call) => nativeMessagesStream(client, api, call),
    countTokens: (call) => nativeCountTokens(client, api, call),
    passthrough: () => api.passthrough(),
  };
}
