import { countTokens, cutToTokens, wordPieces } from './fake-tokens.ts';
import { valueForSchema } from './schema-value.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * What the fake OpenAI answers: deterministic, so tests can assert content and token counts exactly.
 *
 * - Content echoes the last user (or tool) message: `Echo: <text>` for choice 0, `Echo <i>: <text>`
 *   for choice i > 0. `max_tokens`/`max_completion_tokens` cut it to that many words (finish reason
 *   `length`); a `stop` string cuts it before the stop string.
 * - `response_format` json_object / json_schema makes the content JSON built from the text / schema.
 * - Tokens are words: a text's token count is the number of whitespace-separated words in it.
 *   prompt_tokens = words in every message's text; completion_tokens = words in every choice's content
 *   (or in the tool call's arguments).
 * - Tool calls: see `chooseTool`.
 */

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [extra: string]: unknown;
}

export interface FakeToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface FakeChoice {
  index: number;
  content: string | null;
  toolCall: FakeToolCall | null;
  finishReason: 'stop' | 'length' | 'tool_calls';
}

/** The text of a message's content: a string, or its text parts joined by spaces. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part): part is Json => isRecord(part) && part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join(' ');
}

function messagesOf(body: Json): Json[] {
  return Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
}

export function promptTokens(body: Json): number {
  return messagesOf(body).reduce((sum, message) => sum + countTokens(messageText(message.content)), 0);
}

function lastMessage(body: Json): Json | undefined {
  return messagesOf(body).at(-1);
}

/** A short stable hash, for ids and vectors. */
export function hashString(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

interface ToolDefinition {
  name: string;
  parameters: unknown;
}

function toolsOf(body: Json): ToolDefinition[] {
  if (!Array.isArray(body.tools)) return [];
  return body.tools
    .filter(isRecord)
    .map((tool) => (isRecord(tool.function) ? tool.function : {}))
    .filter((definition): definition is Json & { name: string } => typeof definition.name === 'string')
    .map((definition) => ({ name: definition.name, parameters: definition.parameters }));
}

/**
 * Which tool the fake calls, if any: the named one for `tool_choice: {type:'function', function:{name}}`,
 * the first one for `tool_choice: 'required'`, and for `auto` (or none given) the first tool whose name
 * the last message mentions when that message is the user's. `tool_choice: 'none'` never calls one.
 */
function chooseTool(body: Json): ToolDefinition | undefined {
  const tools = toolsOf(body);
  if (tools.length === 0) return undefined;
  const choice = body.tool_choice;
  if (choice === 'none') return undefined;
  if (choice === 'required') return tools[0];
  if (isRecord(choice) && isRecord(choice.function)) {
    const name = choice.function.name;
    return tools.find((tool) => tool.name === name);
  }
  const last = lastMessage(body);
  if (last?.role !== 'user') return undefined;
  const text = messageText(last.content);
  return tools.find((tool) => text.includes(tool.name));
}

function echoText(body: Json): string {
  const last = lastMessage(body);
  return last ? messageText(last.content) : '';
}

function limitOf(body: Json): number | undefined {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  return typeof limit === 'number' ? limit : undefined;
}

function stopsOf(body: Json): string[] {
  if (typeof body.stop === 'string') return [body.stop];
  return Array.isArray(body.stop) ? body.stop.filter((stop): stop is string => typeof stop === 'string') : [];
}

function contentFor(body: Json, index: number, text: string): string {
  const format = isRecord(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') return JSON.stringify({ echo: text });
  if (format?.type === 'json_schema' && isRecord(format.json_schema)) {
    return JSON.stringify(valueForSchema(format.json_schema.schema ?? { type: 'object' }, text));
  }
  return index === 0 ? `Echo: ${text}` : `Echo ${index}: ${text}`;
}

export function chatChoices(body: Json): FakeChoice[] {
  const count = typeof body.n === 'number' && body.n > 0 ? body.n : 1;
  const text = echoText(body);
  const tool = chooseTool(body);
  const limit = limitOf(body);
  const stops = stopsOf(body);
  return Array.from({ length: count }, (_, index): FakeChoice => {
    if (tool) {
      const argumentsText = JSON.stringify(valueForSchema(tool.parameters ?? { type: 'object' }, text));
      const id = `call_${hashString(`${tool.name}:${index}:${argumentsText}`).toString(36).padStart(7, '0')}`;
      return {
        index,
        content: null,
        toolCall: { id, type: 'function', function: { name: tool.name, arguments: argumentsText } },
        finishReason: 'tool_calls',
      };
    }
    let content = contentFor(body, index, text);
    let finishReason: FakeChoice['finishReason'] = 'stop';
    for (const stop of stops) {
      const at = stop.length > 0 ? content.indexOf(stop) : -1;
      if (at >= 0) content = content.slice(0, at);
    }
    if (limit !== undefined && countTokens(content) > limit) {
      content = cutToTokens(content, limit);
      finishReason = 'length';
    }
    return { index, content, toolCall: null, finishReason };
  });
}

export function chatUsage(body: Json, choices: FakeChoice[], override: Partial<FakeUsage> | undefined): FakeUsage {
  const completion = choices.reduce(
    (sum, choice) => sum + countTokens(choice.content ?? '') + countTokens(choice.toolCall?.function.arguments ?? ''),
    0,
  );
  const prompt = promptTokens(body);
  const usage: FakeUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  return withOverride(usage, override);
}

function withOverride(usage: FakeUsage, override: Partial<FakeUsage> | undefined): FakeUsage {
  if (!override) return usage;
  const merged = { ...usage, ...override };
  if (override.total_tokens === undefined) merged.total_tokens = merged.prompt_tokens + merged.completion_tokens;
  return merged;
}

/** Log probabilities shaped like OpenAI's, one entry per word of the content (all certain). */
export function logprobsFor(content: string, topLogprobs: number): { content: Json[]; refusal: null } {
  const tokens = wordPieces(content);
  return {
    content: tokens.map((token) => {
      const entry = { token, logprob: 0, bytes: [...Buffer.from(token, 'utf8')] };
      return { ...entry, top_logprobs: topLogprobs > 0 ? [entry] : [] };
    }),
    refusal: null,
  };
}

/** Inputs of an embeddings request as a list of texts or token arrays. */
function embeddingInputs(input: unknown): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  if (input.every((item) => typeof item === 'number')) return [input as number[]];
  return input.filter((item): item is string | number[] => typeof item === 'string' || Array.isArray(item));
}

/** A unit vector that depends only on the input and the dimension count. */
export function embeddingVector(input: string | number[], dimensions: number): number[] {
  const seed = hashString(typeof input === 'string' ? input : input.join(','));
  const raw = Array.from({ length: dimensions }, (_, index) => Math.sin(seed + index * 7919) || 1e-3);
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0));
  // Round through float32 so the float and base64 encodings give the same numbers.
  return raw.map((value) => Math.fround(value / norm));
}

export function encodeBase64Floats(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export const defaultEmbeddingDimensions = 8;

export function embeddingsResponse(body: Json, model: string, override: Partial<FakeUsage> | undefined): Json {
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : defaultEmbeddingDimensions;
  const base64 = body.encoding_format === 'base64';
  const inputs = embeddingInputs(body.input);
  const tokens = inputs.reduce((sum, input) => sum + (typeof input === 'string' ? countTokens(input) : input.length), 0);
  const usage = withOverride({ prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens }, override);
  return {
    object: 'list',
    data: inputs.map((input, index) => {
      const vector = embeddingVector(input, dimensions);
      return { object: 'embedding', index, embedding: base64 ? encodeBase64Floats(vector) : vector };
    }),
    model,
    usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens },
  };
}
