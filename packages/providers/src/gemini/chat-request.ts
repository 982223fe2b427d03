import { GatewayError, type ChatCompletionRequest, type ChatMessage } from '@gateway/contracts';
import { PendingImages } from '../images/pending-images.ts';
import type { ImageFetcher, Warning } from '../types.ts';
import { unsupportedSetting } from '../warnings.ts';
import type {
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiGenerateContentRequest,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRole,
  GeminiThinkingConfig,
  GeminiToolConfig,
} from './wire.ts';

/**
 * OpenAI chat-completions request → Gemini `generateContent` body. What Gemini has natively is mapped;
 * what it lacks becomes a warning (and a 400 in strict mode, see `enforceStrict`); a request that
 * cannot be expressed at all (tool call arguments that are not JSON, a tool result for an unknown call)
 * is the client's mistake: invalid_request.
 */

export interface ChatRequestContext {
  provider: string;
  model: string;
  fetchImage: ImageFetcher;
  signal?: AbortSignal;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, param = 'messages'): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

/** Fields this mapping reads; any other field the client set is reported as unsupported. */
const mappedFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'seed',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'user',
  'logprobs',
  'top_logprobs',
  'logit_bias',
]);

/**
 * Gemini 3 models refuse a replayed function call without the thought signature they sent with it. A
 * history that lost it (written by another provider, or by a client that drops unknown fields) gets the
 * documented sentinel that skips the check, on the first call of each turn as the docs ask.
 */
const skipThoughtSignature = 'skip_thought_signature_validator';

function requiresThoughtSignatures(model: string): boolean {
  const match = /gemini-(\d+)/.exec(model);
  return match !== null && Number(match[1]) >= 3;
}

/** Gemini's thought signature of a tool call, where our responses put it (as Google's OpenAI layer does). */
function thoughtSignatureOf(toolCall: Json): string | undefined {
  const extra = toolCall.extra_content;
  const google = isRecord(extra) ? extra.google : undefined;
  const signature = isRecord(google) ? google.thought_signature : undefined;
  return typeof signature === 'string' ? signature : undefined;
}

function pushContent(contents: GeminiContent[], role: GeminiRole, parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  // Gemini wants turns to alternate; consecutive messages of one side (e.g. the results of parallel
  // tool calls, which must all be in one turn) become one turn.
  if (last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

/** A message's text: the string, or its text parts joined (for system and tool messages). */
function textOf(content: ChatMessage['content'], what: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      throw invalid(`${what} content may only hold text parts, not ${part.type}`);
    })
    .join('\n');
}

/** Files API and Cloud Storage URIs that Gemini reads itself, by reference. */
function isGeminiFileUri(url: string): boolean {
  return /^gs:\/\//i.test(url) || /^https:\/\/generativelanguage\.googleapis\.com\/v1(?:beta)?\/files\//i.test(url);
}

const mimeTypeByExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

class ContentMapper {
  readonly warnings: Warning[] = [];
  private readonly warned = new Set<string>();
  readonly images: PendingImages;

  constructor(private readonly context: ChatRequestContext) {
    this.images = new PendingImages(context.fetchImage, context.signal);
  }

  warnOnce(setting: string, detail?: string): void {
    if (this.warned.has(setting)) return;
    this.warned.add(setting);
    this.warnings.push(unsupportedSetting(this.context.provider, setting, detail));
  }

  /** User (and assistant) content: text, images and files as Gemini parts. */
  parts(content: ChatMessage['content']): GeminiPart[] {
    if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
    if (!Array.isArray(content)) return [];
    const parts: GeminiPart[] = [];
    for (const part of content) {
      if (part.type === 'text') {
        if (typeof part.text !== 'string') throw invalid('a text content part needs a text');
        if (part.text.length > 0) parts.push({ text: part.text });
      } else if (part.type === 'image_url') {
        parts.push(this.imagePart(part.image_url));
      } else if (part.type === 'input_audio') {
        parts.push(this.audioPart(part.input_audio));
      } else if (part.type === 'file') {
        parts.push(this.filePart(part.file));
      } else {
        this.warnOnce(`content part ${part.type}`);
      }
    }
    return parts;
  }

  private imagePart(image: unknown): GeminiPart {
    const url = isRecord(image) ? image.url : undefined;
    if (typeof url !== 'string') throw invalid('an image_url content part needs image_url.url');
    if (isRecord(image) && image.detail !== undefined && image.detail !== 'auto') {
      this.warnOnce('image_url.detail', 'Gemini chooses the image resolution itself');
    }
    if (isGeminiFileUri(url)) {
      const extension = /\.([a-z0-9]+)$/i.exec(url)?.[1]?.toLowerCase();
      const mimeType = extension ? mimeTypeByExtension[extension] : undefined;
      return { fileData: { fileUri: url, ...(mimeType ? { mimeType } : {}) } };
    }
    const inlineData = { mimeType: '', data: '' };
    this.images.add(url, (bytes) => {
      inlineData.mimeType = bytes.mediaType;
      inlineData.data = bytes.data.toString('base64');
    });
    return { inlineData };
  }

  private audioPart(audio: unknown): GeminiPart {
    if (!isRecord(audio) || typeof audio.data !== 'string' || typeof audio.format !== 'string') {
      throw invalid('an input_audio content part needs input_audio.data and input_audio.format');
    }
    return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
  }

  private filePart(file: unknown): GeminiPart {
    const data = isRecord(file) ? file.file_data : undefined;
    const match = typeof data === 'string' ? /^data:([^;,]+);base64,(.*)$/s.exec(data) : null;
    if (!match) throw invalid('a file content part must carry its bytes as a base64 data URL in file.file_data');
    return { inlineData: { mimeType: match[1] as string, data: match[2] as string } };
  }
}

/** Tool call arguments (a JSON text) → the object Gemini wants in `functionCall.args`. */
function parseArguments(text: unknown, name: string): Record<string, unknown> {
  if (text === undefined || text === null || text === '') return {};
  if (typeof text !== 'string') throw invalid(`the arguments of tool call ${name} must be a JSON text`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`the arguments of tool call ${name} are not valid JSON`);
  }
  if (!isRecord(parsed)) throw invalid(`the arguments of tool call ${name} must be a JSON object`);
  return parsed;
}

/** A tool result → `functionResponse.response`, which must be an object. */
function functionResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Not JSON: sent as text below.
  }
  return { content: text };
}

function contentsOf(messages: ChatMessage[], mapper: ContentMapper, model: string): { contents: GeminiContent[]; system: string[] } {
  const contents: GeminiContent[] = [];
  const system: string[] = [];
  const toolNames = new Map<string, string>();
  const signatures = requiresThoughtSignatures(model);
  for (const message of messages) {
    if (message.name !== undefined && message.role !== 'function') mapper.warnOnce('messages[].name');
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content, `a ${message.role} message's`));
        break;
      case 'user':
        pushContent(contents, 'user', mapper.parts(message.content));
        break;
      case 'assistant': {
        const parts = mapper.parts(message.content);
        const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
        toolCalls.forEach((call: unknown, position: number) => {
          const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
          if (!isRecord(call) || typeof fn?.name !== 'string') throw invalid('a tool call needs function.name');
          if (typeof call.id === 'string') toolNames.set(call.id, fn.name);
          const signature = thoughtSignatureOf(call) ?? (signatures && position === 0 ? skipThoughtSignature : undefined);
          parts.push({
            functionCall: { name: fn.name, args: parseArguments(fn.arguments, fn.name) },
            ...(signature ? { thoughtSignature: signature } : {}),
          });
        });
        pushContent(contents, 'model', parts);
        break;
      }
      case 'tool': {
        const id = message.tool_call_id;
        const name = typeof id === 'string' ? toolNames.get(id) : undefined;
        if (name === undefined) {
          throw invalid(`tool message answers tool call ${String(id)}, which no earlier assistant message made`);
        }
        const text = textOf(message.content, 'a tool message');
        pushContent(contents, 'user', [{ functionResponse: { name, response: functionResponse(text) } }]);
        break;
      }
      case 'function': {
        if (typeof message.name !== 'string') throw invalid('a function message needs a name');
        const text = textOf(message.content, 'a function message');
        pushContent(contents, 'user', [{ functionResponse: { name: message.name, response: functionResponse(text) } }]);
        break;
      }
    }
  }
  if (contents.length === 0) throw invalid('Gemini needs at least one user or assistant message with content');
  return { contents, system };
}

function toolsOf(request: ChatCompletionRequest, mapper: ContentMapper): GeminiFunctionDeclaration[] {
  const declarations: GeminiFunctionDeclaration[] = [];
  for (const tool of request.tools ?? []) {
    if (tool.type !== 'function' || !isRecord(tool.function)) {
      mapper.warnOnce(`tools[].type ${tool.type}`);
      continue;
    }
    const { name, description, parameters } = tool.function;
    if (typeof name !== 'string') throw invalid('a tool needs function.name', 'tools');
    declarations.push({
      name,
      ...(typeof description === 'string' ? { description } : {}),
      ...(parameters !== undefined ? { parametersJsonSchema: parameters } : {}),
    });
  }
  return declarations;
}

function toolConfigOf(choice: unknown): GeminiToolConfig | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  if (isRecord(choice) && choice.type === 'allowed_tools' && isRecord(choice.allowed_tools)) {
    const { mode, tools } = choice.allowed_tools;
    const names = (Array.isArray(tools) ? tools : [])
      .map((tool: unknown) => (isRecord(tool) && isRecord(tool.function) ? tool.function.name : undefined))
      .filter((name): name is string => typeof name === 'string');
    // allowedFunctionNames may only be set with ANY or VALIDATED; VALIDATED keeps "auto" (text or a call).
    return { functionCallingConfig: { mode: mode === 'required' ? 'ANY' : 'VALIDATED', allowedFunctionNames: names } };
  }
  throw invalid('tool_choice must be auto, none, required or a function', 'tool_choice');
}

/** Budgets for Gemini 2.x (tokens), which takes no levels; Gemini 3 takes `thinkingLevel`. */
const thinkingBudgetByEffort: Record<string, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576, xhigh: 32768 };
const thinkingLevelByEffort: Record<string, GeminiThinkingConfig['thinkingLevel']> = {
  none: 'minimal',
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
};

function thinkingConfigOf(effort: unknown, model: string): GeminiThinkingConfig {
  if (typeof effort !== 'string' || !(effort in thinkingBudgetByEffort)) {
    throw invalid('reasoning_effort must be none, minimal, low, medium, high or xhigh', 'reasoning_effort');
  }
  // Gemini answers thought parts only when asked to; they become the answer's reasoning_content. A
  // budget of 0 turns thinking off, so there is nothing to include.
  if (/gemini-[12]\./.test(model)) {
    const thinkingBudget = thinkingBudgetByEffort[effort] as number;
    return thinkingBudget === 0 ? { thinkingBudget } : { thinkingBudget, includeThoughts: true };
  }
  return { thinkingLevel: thinkingLevelByEffort[effort], includeThoughts: true };
}

function numberField(request: ChatCompletionRequest, field: string): number | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw invalid(`${field} must be a number`, field);
  return value;
}

function generationConfigOf(request: ChatCompletionRequest, mapper: ContentMapper, model: string): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  const set = <Key extends keyof GeminiGenerationConfig>(key: Key, value: GeminiGenerationConfig[Key] | undefined): void => {
    if (value !== undefined) config[key] = value;
  };
  set('temperature', numberField(request, 'temperature'));
  set('topP', numberField(request, 'top_p'));
  set('topK', numberField(request, 'top_k'));
  set('maxOutputTokens', numberField(request, 'max_completion_tokens') ?? numberField(request, 'max_tokens'));
  set('seed', numberField(request, 'seed'));
  set('candidateCount', numberField(request, 'n'));
  set('presencePenalty', numberField(request, 'presence_penalty'));
  set('frequencyPenalty', numberField(request, 'frequency_penalty'));
  const stop = request.stop;
  if (typeof stop === 'string') config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config.stopSequences = stop.map(String);
  const format = request.response_format;
  if (isRecord(format) && format.type === 'json_object') config.responseMimeType = 'application/json';
  if (isRecord(format) && format.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    if (schema !== undefined) config.responseJsonSchema = schema;
  }
  if (request.reasoning_effort !== undefined && request.reasoning_effort !== null) {
    config.thinkingConfig = thinkingConfigOf(request.reasoning_effort, model);
  }
  if (request.parallel_tool_calls === false) {
    mapper.warnOnce('parallel_tool_calls', 'Gemini may call several functions at once and cannot be told not to');
  }
  if (request.logprobs === true) mapper.warnOnce('logprobs');
  if (request.top_logprobs !== undefined && request.top_logprobs !== null) mapper.warnOnce('top_logprobs');
  if (request.logit_bias !== undefined && request.logit_bias !== null) mapper.warnOnce('logit_bias');
  if (request.user !== undefined) mapper.warnOnce('user');
  for (const [field, value] of Object.entries(request)) {
    if (!mappedFields.has(field) && value !== undefined && value !== null) mapper.warnOnce(field);
  }
  return config;
}

export interface GeminiChatRequest {
  body: GeminiGenerateContentRequest;
  warnings: Warning[];
  /**
   * Fetches the request's http(s) images into `body`. Called after strict mode accepted the request,
   * so a refused request makes no outbound fetch.
   */
  loadImages(): Promise<void>;
}

export async function generateContentRequest(request: ChatCompletionRequest, context: ChatRequestContext): Promise<GeminiChatRequest> {
  const mapper = new ContentMapper(context);
  const { contents, system } = contentsOf(request.messages, mapper, context.model);
  const body: GeminiGenerateContentRequest = { contents };
  const systemParts = system.filter((text) => text.length > 0).map((text) => ({ text }));
  if (systemParts.length > 0) body.systemInstruction = { parts: systemParts };
  const declarations = toolsOf(request, mapper);
  if (declarations.length > 0) body.tools = [{ functionDeclarations: declarations }];
  const toolConfig = toolConfigOf(request.tool_choice);
  if (toolConfig && declarations.length > 0) body.toolConfig = toolConfig;
  const generationConfig = generationConfigOf(request, mapper, context.model);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return { body, warnings: mapper.warnings, loadImages: () => mapper.images.load() };
}
