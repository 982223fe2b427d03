import { hashString } from './fake-openai-content.ts';
import { countTokens, cutToTokens } from './fake-tokens.ts';
import { valueForSchema } from './schema-value.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * What the fake Anthropic answers: deterministic, so tests can assert content and token counts exactly.
 *
 * - Text echoes the last user message: `Echo: <text>`, where text is its text blocks (or, after a tool
 *   call, its tool results' text) joined by spaces. `stop_sequences` cut it before the first stop
 *   found (stop_reason `stop_sequence`); `max_tokens` cuts it to that many words (`max_tokens`).
 * - Tokens are words, as in fake-openai-content.ts: input_tokens counts the words of `system` and of
 *   every message's text and tool results; output_tokens the words of the thinking, the text and each
 *   tool input's JSON.
 * - Prompt caching: the blocks up to the last one marked `cache_control` form the cached prefix. The
 *   first request with a prefix writes it (`cache_creation_input_tokens`), later ones read it
 *   (`cache_read_input_tokens`); `input_tokens` counts only the words after it, as Anthropic does.
 * - Thinking (`thinking: {type:'enabled'}`): a thinking block `Thinking about: <text>` comes first.
 * - Tools: see `chooseTools`.
 */

export interface FakeAnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  [extra: string]: unknown;
}

export interface FakeAnthropicAnswer {
  content: Json[];
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  stopSequence: string | null;
  usage: FakeAnthropicUsage;
}

function messagesOf(body: Json): Json[] {
  return Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
}

/** A message's content as blocks (a string is one text block). */
function blocksOf(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

/** The text of a block, for echoing and counting: text, a tool result's text, a tool input's JSON. */
function blockText(block: Json): string {
  if (block.type === 'text' && typeof block.text === 'string') return block.text;
  if (block.type === 'tool_result') return blocksOf(block.content).map(blockText).join(' ');
  if (block.type === 'tool_use') return JSON.stringify(block.input ?? {});
  if (block.type === 'thinking' && typeof block.thinking === 'string') return block.thinking;
  return '';
}

/** Every counted block in prompt order: system first, then the messages' blocks. */
function promptBlocks(body: Json): Json[] {
  const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : blocksOf(body.system);
  return [...system, ...messagesOf(body).flatMap((message) => blocksOf(message.content))];
}

export function anthropicInputTokens(body: Json): number {
  return promptBlocks(body).reduce((sum, block) => sum + countTokens(blockText(block)), 0);
}

/** The text the answer echoes: the last message's text blocks, or its tool results when it has no text. */
function echoText(body: Json): string {
  const last = messagesOf(body).at(-1);
  if (!last) return '';
  const blocks = blocksOf(last.content);
  const texts = blocks.filter((block) => block.type === 'text').map(blockText);
  return (texts.length > 0 ? texts : blocks.map(blockText)).join(' ');
}

/** The user's own words in the last message (tool results excluded), for tool choice by mention. */
function lastUserText(body: Json): string {
  const last = messagesOf(body).at(-1);
  if (last?.role !== 'user') return '';
  return blocksOf(last.content)
    .filter((block) => block.type === 'text')
    .map(blockText)
    .join(' ');
}

interface ToolDefinition {
  name: string;
  inputSchema: unknown;
}

function toolsOf(body: Json): ToolDefinition[] {
  if (!Array.isArray(body.tools)) return [];
  return body.tools
    .filter(isRecord)
    .filter((tool) => typeof tool.name === 'string' && (tool.type === undefined || tool.type === 'custom'))
    .map((tool) => ({ name: tool.name as string, inputSchema: tool.input_schema }));
}

/**
 * Which tools the fake calls: `tool_choice` `{type:'tool', name}` calls that tool, `any` the first one,
 * `auto` (or none given) the first tool whose name the user's last text mentions; `none` never calls
 * one. When that text contains the word "several" and `disable_parallel_tool_use` is not set, a second
 * call follows in the same turn (the next tool, or the same one again).
 */
export function chooseTools(body: Json): { tools: ToolDefinition[]; forced: boolean } {
  const tools = toolsOf(body);
  const choice = isRecord(body.tool_choice) ? body.tool_choice : { type: 'auto' };
  const text = lastUserText(body);
  let first: ToolDefinition | undefined;
  if (choice.type === 'tool') first = tools.find((tool) => tool.name === choice.name);
  else if (choice.type === 'any') first = tools[0];
  else if (choice.type === 'auto') first = tools.find((tool) => text.includes(tool.name));
  if (!first) return { tools: [], forced: false };
  const chosen = [first];
  if (/\bseveral\b/i.test(text) && choice.disable_parallel_tool_use !== true) {
    chosen.push(tools[tools.indexOf(first) + 1] ?? first);
  }
  return { tools: chosen, forced: choice.type !== 'auto' };
}

function toolUseId(seed: string): string {
  return `toolu_01${hashString(seed).toString(36).padStart(7, '0')}${hashString(`${seed}#`).toString(36).padStart(7, '0')}`;
}

/** Cache read and write counts for the prefix up to the last `cache_control` marker (see the header). */
function cacheUsage(body: Json, cachedPrefixes: Set<string>): { read: number; write: number } {
  const blocks = promptBlocks(body);
  let end = -1;
  blocks.forEach((block, index) => {
    if (isRecord(block.cache_control)) end = index;
  });
  if (end < 0) return { read: 0, write: 0 };
  const prefix = blocks.slice(0, end + 1);
  const tokens = prefix.reduce((sum, block) => sum + countTokens(blockText(block)), 0);
  const key = String(hashString(JSON.stringify([body.model, prefix])));
  if (cachedPrefixes.has(key)) return { read: tokens, write: 0 };
  cachedPrefixes.add(key);
  return { read: 0, write: tokens };
}

export function anthropicAnswer(body: Json, cachedPrefixes: Set<string>): FakeAnthropicAnswer {
  const text = echoText(body);
  const content: Json[] = [];
  let outputTokens = 0;
  const thinking = isRecord(body.thinking) && body.thinking.type === 'enabled';
  if (thinking) {
    const thought = `Thinking about: ${text}`;
    content.push({ type: 'thinking', thinking: thought, signature: `sig_${hashString(thought).toString(36)}` });
    outputTokens += countTokens(thought);
  }
  let stopReason: FakeAnthropicAnswer['stopReason'] = 'end_turn';
  let stopSequence: string | null = null;
  const { tools, forced } = chooseTools(body);
  if (tools.length > 0) {
    if (!forced) {
      const preface = `Calling ${tools.map((tool) => tool.name).join(' and ')}.`;
      content.push({ type: 'text', text: preface });
      outputTokens += countTokens(preface);
    }
    tools.forEach((tool, index) => {
      const input = valueForSchema(tool.inputSchema ?? { type: 'object' }, text);
      content.push({ type: 'tool_use', id: toolUseId(`${tool.name}:${index}:${text}`), name: tool.name, input });
      outputTokens += countTokens(JSON.stringify(input));
    });
    stopReason = 'tool_use';
  } else {
    let answer = `Echo: ${text}`;
    const stops = Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((stop): stop is string => typeof stop === 'string') : [];
    let earliest = -1;
    for (const stop of stops) {
      const at = stop.length > 0 ? answer.indexOf(stop) : -1;
      if (at >= 0 && (earliest < 0 || at < earliest)) {
        earliest = at;
        stopSequence = stop;
      }
    }
    if (earliest >= 0) {
      answer = answer.slice(0, earliest);
      stopReason = 'stop_sequence';
    }
    const limit = typeof body.max_tokens === 'number' ? body.max_tokens : Number.POSITIVE_INFINITY;
    if (outputTokens + countTokens(answer) > limit) {
      answer = cutToTokens(answer, Math.max(0, limit - outputTokens));
      stopReason = 'max_tokens';
      stopSequence = null;
    }
    if (answer.length > 0) content.push({ type: 'text', text: answer });
    outputTokens += countTokens(answer);
  }
  const cache = cacheUsage(body, cachedPrefixes);
  return {
    content,
    stopReason,
    stopSequence,
    usage: {
      input_tokens: anthropicInputTokens(body) - cache.read - cache.write,
      cache_creation_input_tokens: cache.write,
      cache_read_input_tokens: cache.read,
      output_tokens: outputTokens,
    },
  };
}
