import { GatewayError } from '@gateway/contracts';
import { invalidAnswer, postJson, readJson, upstreamClient } from '../http.ts';
import { fetchImage } from '../images/fetch-image.ts';
import type { AdapterOptions, ChatCall, ProviderAdapter, ProviderSettings } from '../types.ts';
import { enforceStrict } from '../warnings.ts';
import { geminiApi } from './api.ts';
import { generateContentRequest } from './chat-request.ts';
import { toChatResult } from './chat-response.ts';
import { geminiStreamParts } from './chat-stream.ts';
import { batchEmbedRequest, toEmbeddingsResult } from './embeddings.ts';
import { geminiFailureStatus } from './failure-status.ts';
import { batchEmbedResponseSchema, generateContentResponseSchema } from './wire.ts';

/**
 * The adapter for the Gemini API (Google AI Studio): OpenAI chat completions translated to and from
 * `generateContent` (see chat-request.ts, chat-response.ts, chat-stream.ts), embeddings through
 * `batchEmbedContents`. One HTTP call per method: retries and fallbacks belong to the executor.
 */
export function createGeminiAdapter(settings: ProviderSettings, options: AdapterOptions = {}): ProviderAdapter {
  const provider = settings.name;
  if (!settings.apiKey) {
    throw new GatewayError('invalid_request', `provider ${provider} (type gemini) needs an API key`, { param: 'api_key' });
  }
  const api = geminiApi(settings, settings.apiKey);
  const client = upstreamClient(settings, options);
  const post = (url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal | undefined) =>
    postJson(client, url, headers, body, signal, { failureStatus: geminiFailureStatus });

  async function requestBody(call: ChatCall) {
    const built = await generateContentRequest(call.request, {
      provider,
      model: call.model,
      fetchImage: options.fetchImage ?? fetchImage,
      ...(call.signal ? { signal: call.signal } : {}),
    });
    enforceStrict(built.warnings, call.strict, provider);
    await built.loadImages();
    return built;
  }

  return {
    settings,

    async chat(call) {
      const { body, warnings } = await requestBody(call);
      const response = await post(api.url(call.model, 'generateContent'), api.headers(false), body, call.signal);
      const upstream = await readJson(client, response, generateContentResponseSchema, call.signal);
      const result = toChatResult(upstream, call.model, provider);
      return { ...result, warnings: [...warnings, ...result.warnings] };
    },

    async chatStream(call) {
      const { body, warnings } = await requestBody(call);
      const response = await post(api.url(call.model, 'streamGenerateContent'), api.headers(true), body, call.signal);
      return { parts: geminiStreamParts(client, response, call.model, call.signal), warnings };
    },

    async embeddings(call) {
      const { body, texts, warnings } = batchEmbedRequest(call.request, api.resourceName(call.model), provider);
      enforceStrict(warnings, call.strict, provider);
      const response = await post(api.url(call.model, 'batchEmbedContents'), api.headers(false), body, call.signal);
      const upstream = await readJson(client, response, batchEmbedResponseSchema, call.signal);
      if (upstream.embeddings.length !== texts.length) {
        throw invalidAnswer(client, response.statusCode, `${upstream.embeddings.length} embeddings for ${texts.length} inputs`);
      }
      const result = toEmbeddingsResult(upstream, call.request, texts, call.model, provider);
      return { ...result, warnings: [...warnings, ...result.warnings] };
    },

    passthrough() {
      return { baseUrl: api.origin, headers: api.passthroughHeaders() };
    },
  };
}
