import type { ChatCompletionRequest } from '@gateway/contracts';
import type { ImageFetcher, Warning } from '../types.ts';
import { PendingImages } from '../images/pending-images.ts';
import { unsupportedSetting } from '../warnings.ts';
import { converseConversation } from './converse-messages.ts';
import { converseToolConfig } from './converse-tools.ts';
import type { ConverseInferenceConfig, ConverseRequest } from './converse-types.ts';

/**
 * An OpenAI chat request → a Converse request body (the model id goes in the URL). What Converse has
 * no place for becomes a warning and is not sent; strict mode then refuses the request (the adapter
 * calls enforceStrict on these warnings).
 */

export interface ConverseRequestResult {
  body: ConverseRequest;
  warnings: Warning[];
  /** Set when response_format json_schema travels as a tool (see converse-tools.ts). */
  structuredOutputTool: string | undefined;
  /**
   * Fetches the request's http(s) images into `body`. Called after strict mode accepted the request,
   * so a refused request makes no outbound fetch.
   */
  loadImages(): Promise<void>;
}

/** Fields this mapping reads (or knows Converse has no use for and warns about below). */
const handledFields = new Set([
  'model',
  'messages',
  'stream',
  // Streams always report usage (the metadata event), whatever the client asked.
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  'n',
  'seed',
  'logprobs',
  'top_logprobs',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
]);

function stopSequences(stop: unknown): string[] {
  if (typeof stop === 'string') return stop.length > 0 ? [stop] : [];
  if (!Array.isArray(stop)) return [];
  return stop.filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/**
 * `top_k` goes in `additionalModelRequestFields`, whose shape depends on the model family: Anthropic's
 * models take `top_k`, Amazon Nova `inferenceConfig.topK`. For other (or unrecognisable) model ids
 * it is not sent.
 */
function topKFields(topK: number, model: string): Record<string, unknown> | undefined {
  if (/(^|[.:/])anthropic\./.test(model)) return { top_k: topK };
  if (/(^|[.:/])amazon\.nova-/.test(model)) return { inferenceConfig: { topK } };
  return undefined;
}

function otherFieldWarnings(request: ChatCompletionRequest, provider: string): Warning[] {
  const warnings: Warning[] = [];
  const set = (value: unknown): boolean => value !== undefined && value !== null;
  if (set(request.n) && request.n !== 1) warnings.push(unsupportedSetting(provider, 'n', 'Converse answers with one choice'));
  if (set(request.seed)) warnings.push(unsupportedSetting(provider, 'seed'));
  if (request.logprobs === true) warnings.push(unsupportedSetting(provider, 'logprobs'));
  if (set(request.top_logprobs)) warnings.push(unsupportedSetting(provider, 'top_logprobs'));
  for (const penalty of ['presence_penalty', 'frequency_penalty'] as const) {
    if (set(request[penalty]) && request[penalty] !== 0) warnings.push(unsupportedSetting(provider, penalty));
  }
  const bias = request.logit_bias;
  if (typeof bias === 'object' && bias !== null && Object.keys(bias).length > 0) {
    warnings.push(unsupportedSetting(provider, 'logit_bias'));
  }
  if (request.parallel_tool_calls === false) {
    warnings.push(unsupportedSetting(provider, 'parallel_tool_calls', 'Converse cannot forbid parallel tool calls'));
  }
  for (const [field, value] of Object.entries(request)) {
    if (!handledFields.has(field) && set(value)) warnings.push(unsupportedSetting(provider, field));
  }
  return warnings;
}

export async function converseRequest(
  request: ChatCompletionRequest,
  model: string,
  options: { provider: string; fetchImage: ImageFetcher; signal: AbortSignal | undefined },
): Promise<ConverseRequestResult> {
  const { provider } = options;
  const warnings = otherFieldWarnings(request, provider);
  const images = new PendingImages(options.fetchImage, options.signal);
  const conversation = converseConversation(request.messages, { provider, images });
  const body: ConverseRequest = { messages: conversation.messages };
  if (conversation.system.length > 0) body.system = conversation.system;

  const inferenceConfig: ConverseInferenceConfig = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') inferenceConfig.maxTokens = maxTokens;
  if (typeof request.temperature === 'number') inferenceConfig.temperature = request.temperature;
  if (typeof request.top_p === 'number') inferenceConfig.topP = request.top_p;
  const stops = stopSequences(request.stop);
  if (stops.length > 0) inferenceConfig.stopSequences = stops;
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;

  if (typeof request.top_k === 'number') {
    const fields = topKFields(request.top_k, model);
    if (fields) body.additionalModelRequestFields = fields;
    else warnings.push(unsupportedSetting(provider, 'top_k', `no known way to pass it to model ${model.slice(0, 100)}`));
  }

  const tools = converseToolConfig(request, body.messages, provider, warnings);
  if (tools.toolConfig) body.toolConfig = tools.toolConfig;
  if (typeof request.user === 'string' && request.user.length > 0) body.requestMetadata = { user: request.user };
  return { body, warnings, structuredOutputTool: tools.structuredOutputTool, loadImages: () => images.load() };
}
