import { GatewayError, type ChatCompletionRequest } from '@gateway/contracts';
import { parseDataUrl } from '../images/image-source.ts';
import type { Warning } from '../types.ts';
import { unsupportedSetting } from '../warnings.ts';

/**
 * OpenAI chat request → Anthropic Messages request (https://docs.anthropic.com/en/api/messages).
 * What Anthropic has natively is mapped; what it cannot do becomes a warning (and, in strict mode, a
 * 400 through `enforceStrict`); what cannot be sent at all (arguments that are not JSON, an image that
 * is neither a data URL nor http(s)) is the client's mistake and fails here.
 */

/**
 * Anthropic requires `max_tokens`; OpenAI does not. 4096 when the client sets no limit: every Claude
 * model can produce that many tokens, and it is the smallest maximum among them (Claude 3 Haiku).
 */
export const defaultMaxTokens = 4096;

/** Thinking budgets for `reasoning_effort` (Anthropic's minimum budget is 1024 tokens). */
const thinkingBudgets: Record<string, number> = { low: 1024, medium: 4096, high: 16384, xhigh: 32768 };
const minimumThinkingBudget = 1024;

type Json = Record<string, unknown>;

export interface AnthropicChatRequest {
  body: Json;
  warnings: Warning[];
  /**
   * The tool that carries a `response_format: json_schema` answer, when one was asked for: its input is
   * the answer, given back to the client as the message's text.
   */
  responseTool?: string;
}

interface Turn {
  role: 'user' | 'assistant';
  content: Json[];
}

/** Request fields this mapping reads; any other field with a value becomes a warning. */
const mappedFields = new Set([
  'model',
  'messages',
  'stream',
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
  'reasoning_effort',
  'n',
  'frequency_penalty',
  'presence_penalty',
]);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, param = 'messages'): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

/** Keeps a client's `cache_control` marker (prompt caching), the one extra field Anthropic reads on blocks. */
function withCacheControl(block: Json, part: Json): Json {
  return isRecord(part.cache_control) ? { ...block, cache_control: part.cache_control } : block;
}

function textBlock(text: string, part: Json = {}): Json[] {
  // Anthropic refuses empty text blocks.
  return text.length === 0 ? [] : [withCacheControl({ type: 'text', text }, part)];
}

function imageBlock(part: Json, index: number, provider: string, warnings: Warning[]): Json {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : isRecord(image) && typeof image.url === 'string' ? image.url : undefined;
  if (url === undefined) throw invalid(`messages[${index}]: an image_url part needs image_url.url`);
  if (isRecord(image) && typeof image.detail === 'string' && image.detail !== 'auto') {
    warnings.push(unsupportedSetting(provider, 'image_url.detail', `detail ${image.detail} has no Anthropic equivalent`));
  }
  const inline = parseDataUrl(url);
  if (inline) {
    return withCacheControl({ type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.base64 } }, part);
  }
  // Anthropic fetches image URLs itself, so the gateway neither fetches nor forwards the bytes.
  if (/^https?:\/\//i.test(url)) return withCacheControl({ type: 'image', source: { type: 'url', url } }, part);
  throw invalid(`messages[${index}]: image_url must be an http(s) URL or a base64 data URL`);
}

/** A `file` part with inline PDF data → a document block; anything else is not sendable. */
function fileBlock(part: Json, provider: string, warnings: Warning[]): Json[] {
  const file = isRecord(part.file) ? part.file : {};
  const inline = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
  if (inline?.mediaType === 'application/pdf') {
    return [withCacheControl({ type: 'document', source: { type: 'base64', media_type: inline.mediaType, data: inline.base64 } }, part)];
  }
  warnings.push(unsupportedSetting(provider, 'messages', 'file parts other than an inline PDF (file_data) cannot be sent'));
  return [];
}

/** The blocks of a user (or system) message's content. */
function contentBlocks(
  content: unknown,
  index: number,
  provider: string,
  warnings: Warning[],
  allowed: 'text' | 'all',
): Json[] {
  if (typeof content === 'string') return textBlock(content);
  if (!Array.isArray(content)) return [];
  const blocks: Json[] = [];
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') blocks.push(...textBlock(part.text, part));
    else if (allowed === 'all' && part.type === 'image_url') blocks.push(imageBlock(part, index, provider, warnings));
    else if (allowed === 'all' && part.type === 'file') blocks.push(...fileBlock(part, provider, warnings));
    else warnings.push(unsupportedSetting(provider, 'messages', `content part type ${String(part.type)} in messages[${index}]`));
  }
  return blocks;
}

function assistantBlocks(message: Json, index: number, provider: string, warnings: Warning[]): Json[] {
  const blocks: Json[] = [];
  if (typeof message.content === 'string') blocks.push(...textBlock(message.content));
  else if (Array.isArray(message.content)) {
    for (const part of message.content) {
      if (!isRecord(part)) continue;
      if (part.type === 'text' && typeof part.text === 'string') blocks.push(...textBlock(part.text, part));
      else if (part.type === 'refusal' && typeof part.refusal === 'string') blocks.push(...textBlock(part.refusal));
      else warnings.push(unsupportedSetting(provider, 'messages', `content part type ${String(part.type)} in messages[${index}]`));
    }
  }
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  for (const call of calls) {
    if (!isRecord(call) || !isRecord(call.function)) throw invalid(`messages[${index}].tool_calls: each needs a function`);
    const { name, arguments: text } = call.function;
    if (typeof call.id !== 'string' || typeof name !== 'string') {
      throw invalid(`messages[${index}].tool_calls: each needs an id and a function name`);
    }
    let input: unknown = {};
    if (typeof text === 'string' && text.trim().length > 0) {
      try {
        input = JSON.parse(text);
      } catch {
        throw invalid(`messages[${index}].tool_calls: the arguments of ${call.id} are not valid JSON`);
      }
    }
    if (!isRecord(input)) throw invalid(`messages[${index}].tool_calls: the arguments of ${call.id} must be a JSON object`);
    blocks.push({ type: 'tool_use', id: call.id, name, input });
  }
  return blocks;
}

/**
 * A tool message → a tool_result block. Its content may hold text and images (Anthropic accepts image
 * blocks inside tool results); other part types cannot be sent there and become warnings.
 */
function toolResultBlock(message: Json, index: number, provider: string, warnings: Warning[]): Json {
  if (typeof message.tool_call_id !== 'string') throw invalid(`messages[${index}]: a tool message needs tool_call_id`);
  const block: Json = { type: 'tool_result', tool_use_id: message.tool_call_id };
  if (typeof message.content === 'string') {
    if (message.content.length > 0) block.content = message.content;
  } else if (Array.isArray(message.content)) {
    const content: Json[] = [];
    for (const part of message.content) {
      if (!isRecord(part)) continue;
      if (part.type === 'text' && typeof part.text === 'string') content.push(...textBlock(part.text, part));
      else if (part.type === 'image_url') content.push(imageBlock(part, index, provider, warnings));
      else warnings.push(unsupportedSetting(provider, 'messages', `content part type ${String(part.type)} in the tool result messages[${index}]`));
    }
    if (content.length > 0) block.content = content;
  }
  return block;
}

/**
 * System and developer messages go to `system` (Anthropic has no system role in `messages`); the rest
 * become turns, consecutive messages of one role merged into one turn since Anthropic requires the
 * roles to alternate. Tool results travel in the user turn that follows the assistant's tool calls.
 */
function conversation(messages: readonly Json[], provider: string, warnings: Warning[]): { system: Json[]; turns: Turn[] } {
  const system: Json[] = [];
  const turns: Turn[] = [];
  let named = false;
  const push = (role: Turn['role'], content: Json[]): void => {
    if (content.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  messages.forEach((message, index) => {
    if (typeof message.name === 'string') named = true;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...contentBlocks(message.content, index, provider, warnings, 'text'));
        break;
      case 'user':
        push('user', contentBlocks(message.content, index, provider, warnings, 'all'));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message, index, provider, warnings));
        break;
      case 'tool':
        push('user', [toolResultBlock(message, index, provider, warnings)]);
        break;
      default:
        throw invalid(`messages[${index}]: role ${String(message.role)} is not supported by provider ${provider}; use tool messages`);
    }
  });
  if (named) warnings.push(unsupportedSetting(provider, 'messages[].name'));
  return { system, turns };
}

/** One plain system text stays a string; several, or any with a cache marker, become text blocks. */
function systemField(blocks: Json[]): string | Json[] | undefined {
  if (blocks.length === 0) return undefined;
  const only = blocks[0];
  if (blocks.length === 1 && only && only.cache_control === undefined) return only.text as string;
  return blocks;
}

function toolsField(tools: unknown, provider: string, warnings: Warning[]): Json[] {
  if (!Array.isArray(tools)) return [];
  const mapped: Json[] = [];
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    if (tool.type !== 'function' || !isRecord(tool.function) || typeof tool.function.name !== 'string') {
      warnings.push(unsupportedSetting(provider, 'tools', `tool type ${String(tool.type)}`));
      continue;
    }
    const definition = tool.function;
    if (definition.strict === true) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tools',
        message: `provider ${provider} does not enforce strict tool schemas; ${definition.name} was sent without strict`,
      });
    }
    mapped.push({
      name: definition.name,
      ...(typeof definition.description === 'string' && { description: definition.description }),
      input_schema: isRecord(definition.parameters) ? definition.parameters : { type: 'object', properties: {} },
      ...(isRecord(tool.cache_control) && { cache_control: tool.cache_control }),
    });
  }
  return mapped;
}

function toolChoiceField(choice: unknown): Json | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { type: 'tool', name: choice.function.name };
  }
  if (choice === undefined || choice === null) return undefined;
  throw invalid('tool_choice must be auto, none, required or a function', 'tool_choice');
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/** Fields Anthropic has no equivalent for: a warning each when they ask for something. */
function unsupportedFields(request: ChatCompletionRequest, provider: string, warnings: Warning[]): void {
  if (typeof request.n === 'number' && request.n > 1) warnings.push(unsupportedSetting(provider, 'n', 'one choice is answered'));
  for (const penalty of ['frequency_penalty', 'presence_penalty'] as const) {
    const value = request[penalty];
    if (typeof value === 'number' && value !== 0) warnings.push(unsupportedSetting(provider, penalty));
  }
  for (const [field, value] of Object.entries(request)) {
    if (!mappedFields.has(field) && isSet(value)) warnings.push(unsupportedSetting(provider, field));
  }
}

/**
 * With thinking on, Anthropic wants the last assistant turn that called tools to start with the signed
 * thinking block it answered with ("Expected thinking or redacted_thinking, but found tool_use").
 * OpenAI-shaped history carries no signed thinking, so a tool loop in progress cannot have thinking.
 */
function toolLoopWithoutThinking(turns: readonly Turn[]): boolean {
  const lastAssistant = turns.findLast((turn) => turn.role === 'assistant');
  if (!lastAssistant?.content.some((block) => block.type === 'tool_use')) return false;
  const first = lastAssistant.content[0]?.type;
  return first !== 'thinking' && first !== 'redacted_thinking';
}

/**
 * `reasoning_effort` → extended thinking, with the constraints Anthropic puts on it (a budget of at
 * least 1024 tokens below max_tokens, no forced tool, signed thinking leading the current tool loop).
 * Returns whether thinking was turned on.
 */
function applyThinking(
  body: Json,
  turns: readonly Turn[],
  effort: unknown,
  provider: string,
  warnings: Warning[],
  maxTokensGiven: boolean,
): boolean {
  if (effort === undefined || effort === null || effort === 'none' || effort === 'minimal') return false;
  const budget = typeof effort === 'string' ? thinkingBudgets[effort] : undefined;
  if (budget === undefined) {
    warnings.push(unsupportedSetting(provider, 'reasoning_effort', `effort ${String(effort)}`));
    return false;
  }
  if (toolLoopWithoutThinking(turns)) {
    warnings.push(
      unsupportedSetting(
        provider,
        'reasoning_effort',
        'thinking cannot be turned on while the last assistant turn called tools without a signed thinking block, which chat messages cannot carry',
      ),
    );
    return false;
  }
  const choice = body.tool_choice;
  if (isRecord(choice) && (choice.type === 'any' || choice.type === 'tool')) {
    warnings.push(unsupportedSetting(provider, 'reasoning_effort', 'thinking cannot be combined with a forced tool (tool_choice or response_format)'));
    return false;
  }
  const maxTokens = body.max_tokens as number;
  let thinkingBudget = budget;
  if (!maxTokensGiven) {
    // The default leaves room for the answer after the thinking.
    body.max_tokens = budget + defaultMaxTokens;
  } else if (maxTokens <= budget) {
    thinkingBudget = maxTokens - 1;
    if (thinkingBudget < minimumThinkingBudget) {
      warnings.push(unsupportedSetting(provider, 'reasoning_effort', `thinking needs max_tokens above ${minimumThinkingBudget}`));
      return false;
    }
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning_effort',
      message: `provider ${provider} needs the thinking budget below max_tokens; effort ${String(effort)} (${budget} tokens) was sent with a budget of ${thinkingBudget}`,
    });
  }
  body.thinking = { type: 'enabled', budget_tokens: thinkingBudget };
  return true;
}

/** temperature (0–1 at Anthropic, clamped with a warning) and top_k, neither of which thinking accepts. */
function applySampling(request: ChatCompletionRequest, body: Json, thinking: boolean, provider: string, warnings: Warning[]): void {
  if (typeof request.temperature === 'number') {
    if (thinking) {
      warnings.push(unsupportedSetting(provider, 'temperature', 'not accepted together with reasoning_effort'));
    } else {
      if (request.temperature > 1) {
        warnings.push({
          type: 'unsupported-setting',
          setting: 'temperature',
          message: `provider ${provider} accepts temperature from 0 to 1; ${request.temperature} was sent as 1`,
        });
      }
      body.temperature = Math.min(request.temperature, 1);
    }
  }
  if (typeof request.top_k === 'number') {
    if (thinking) warnings.push(unsupportedSetting(provider, 'top_k', 'not accepted together with reasoning_effort'));
    else body.top_k = request.top_k;
  }
}

function applyResponseFormat(request: ChatCompletionRequest, body: Json, provider: string, warnings: Warning[]): string | undefined {
  const format = request.response_format;
  if (!isRecord(format) || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    warnings.push(
      unsupportedSetting(provider, 'response_format', 'json_object has no native equivalent; the model answers as the prompt asks'),
    );
    return undefined;
  }
  if (format.type !== 'json_schema' || !isRecord(format.json_schema)) {
    warnings.push(unsupportedSetting(provider, 'response_format', `type ${String(format.type)}`));
    return undefined;
  }
  // Anthropic's documented way to get JSON of a given schema: a tool whose input schema is that schema,
  // forced with tool_choice. Its input is handed back as the message's text.
  const schema = format.json_schema;
  const name = typeof schema.name === 'string' && schema.name.length > 0 ? schema.name : 'json_response';
  const tools = (body.tools as Json[] | undefined) ?? [];
  if (tools.length > 0) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'response_format',
      message: `provider ${provider} answers a json_schema response_format through a forced tool, so the request's own tools cannot be called`,
    });
  }
  // The forced answer tool replaces the client's tool_choice (named, so strict mode can refuse it);
  // disable_parallel_tool_use still applies to the forced tool and is kept.
  const previous = isRecord(body.tool_choice) ? body.tool_choice : undefined;
  if (request.tool_choice !== undefined && request.tool_choice !== null && previous !== undefined) {
    warnings.push(
      unsupportedSetting(provider, 'tool_choice', `a json_schema response_format forces its own answer tool in place of tool_choice ${String(previous.type)}`),
    );
  }
  body.tools = [
    ...tools,
    {
      name,
      description: typeof schema.description === 'string' ? schema.description : 'Answer with JSON of this schema.',
      input_schema: isRecord(schema.schema) ? schema.schema : { type: 'object' },
    },
  ];
  body.tool_choice = { type: 'tool', name, ...(previous?.disable_parallel_tool_use === true && { disable_parallel_tool_use: true }) };
  return name;
}

export function chatRequestBody(
  request: ChatCompletionRequest,
  model: string,
  options: { stream: boolean; provider: string },
): AnthropicChatRequest {
  const { provider } = options;
  const warnings: Warning[] = [];
  const { system, turns } = conversation(request.messages as Json[], provider, warnings);
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const body: Json = { model, messages: turns, max_tokens: maxTokens ?? defaultMaxTokens };
  const systemValue = systemField(system);
  if (systemValue !== undefined) body.system = systemValue;
  if (options.stream) body.stream = true;

  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  const stop = request.stop;
  if (typeof stop === 'string') body.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) body.stop_sequences = stop;
  if (typeof request.user === 'string') body.metadata = { user_id: request.user };

  const tools = toolsField(request.tools, provider, warnings);
  // Anthropic refuses tool_choice without tools ("tool_choice may only be specified while providing
  // tools"), so it and parallel_tool_calls only travel with tools; without tools they ask for nothing.
  const toolChoice = toolChoiceField(request.tool_choice);
  if (tools.length > 0) {
    body.tools = tools;
    if (toolChoice) body.tool_choice = toolChoice;
    if (request.parallel_tool_calls === false && toolChoice?.type !== 'none') {
      body.tool_choice = { ...(toolChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
    }
  }
  const responseTool = applyResponseFormat(request, body, provider, warnings);
  const thinking = applyThinking(body, turns, request.reasoning_effort, provider, warnings, maxTokens !== undefined && maxTokens !== null);
  applySampling(request, body, thinking, provider, warnings);
  unsupportedFields(request, provider, warnings);
  return { body, warnings, ...(responseTool !== undefined && { responseTool }) };
}
