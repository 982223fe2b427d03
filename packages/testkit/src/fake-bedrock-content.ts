import { hashString } from './fake-openai-content.ts';
import { countTokens, cutToTokens } from './fake-tokens.ts';
import { valueForSchema } from './schema-value.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * What the fake Bedrock answers to a Converse request: deterministic, so tests can assert content and
 * token counts exactly.
 *
 * - Content echoes the text of the last user turn: `Echo: <text>` (tool results count as text: a
 *   `text` result as it is, a `json` one as its JSON). `inferenceConfig.maxTokens` cuts it to that many
 *   words (stopReason `max_tokens`); a stop sequence cuts it before the sequence (`stop_sequence`).
 * - Tokens are words. inputTokens = words in the system blocks and every text or tool result block;
 *   outputTokens = words in the answer text, or in the JSON of the tool input.
 * - Tool use: `toolChoice.tool` calls the named tool, `toolChoice.any` the first one; with `auto` (or
 *   none given) the first tool whose name the last user turn mentions, unless that turn answers tools.
 *   The input fills every property of the tool's schema (strings with the echoed text).
 */

export interface FakeConverseOutput {
  text: string | null;
  toolUse: { toolUseId: string; name: string; input: unknown } | null;
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  usage: FakeBedrockUsage;
}

export interface FakeBedrockUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

function blocksOf(message: unknown): Json[] {
  return isRecord(message) && Array.isArray(message.content) ? message.content.filter(isRecord) : [];
}

function toolResultText(block: Json): string {
  const result = isRecord(block.toolResult) ? block.toolResult : {};
  const content = Array.isArray(result.content) ? result.content.filter(isRecord) : [];
  return content
    .map((part) => (typeof part.text === 'string' ? part.text : part.json !== undefined ? JSON.stringify(part.json) : ''))
    .join(' ');
}

function blockText(block: Json): string {
  if (typeof block.text === 'string') return block.text;
  if (block.toolResult !== undefined) return toolResultText(block);
  return '';
}

function turnText(message: unknown): string {
  return blocksOf(message)
    .map(blockText)
    .filter((text) => text.length > 0)
    .join(' ');
}

function inputTokens(body: Json): number {
  const system = Array.isArray(body.system) ? body.system.filter(isRecord) : [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return (
    system.reduce((sum, block) => sum + countTokens(typeof block.text === 'string' ? block.text : ''), 0) +
    messages.reduce((sum: number, message) => sum + countTokens(turnText(message)), 0)
  );
}

interface ToolSpec {
  name: string;
  schema: unknown;
}

function toolSpecs(body: Json): ToolSpec[] {
  const config = isRecord(body.toolConfig) ? body.toolConfig : {};
  const tools = Array.isArray(config.tools) ? config.tools.filter(isRecord) : [];
  return tools
    .map((tool) => (isRecord(tool.toolSpec) ? tool.toolSpec : {}))
    .filter((spec): spec is Json & { name: string } => typeof spec.name === 'string')
    .map((spec) => ({ name: spec.name, schema: isRecord(spec.inputSchema) ? spec.inputSchema.json : undefined }));
}

function chooseTool(body: Json, lastUser: unknown): ToolSpec | undefined {
  const tools = toolSpecs(body);
  if (tools.length === 0) return undefined;
  const choice = isRecord(body.toolConfig) && isRecord(body.toolConfig.toolChoice) ? body.toolConfig.toolChoice : {};
  if (isRecord(choice.tool)) return tools.find((tool) => tool.name === (choice.tool as Json).name);
  if (choice.any !== undefined) return tools[0];
  if (blocksOf(lastUser).some((block) => block.toolResult !== undefined)) return undefined;
  const text = turnText(lastUser);
  return tools.find((tool) => text.includes(tool.name));
}

export function withUsageOverride(usage: FakeBedrockUsage, override: Record<string, unknown> | undefined): FakeBedrockUsage {
  if (!override) return usage;
  const merged: FakeBedrockUsage = { ...usage };
  for (const [name, value] of Object.entries(override)) {
    if (typeof value !== 'number') continue;
    // FakeFault speaks OpenAI's names; Bedrock's own are taken as they are.
    const key = name === 'prompt_tokens' ? 'inputTokens' : name === 'completion_tokens' ? 'outputTokens' : name;
    (merged as unknown as Json)[key] = value;
  }
  if (override.totalTokens === undefined && override.total_tokens === undefined) {
    merged.totalTokens =
      merged.inputTokens + merged.outputTokens + (merged.cacheReadInputTokens ?? 0) + (merged.cacheWriteInputTokens ?? 0);
  }
  return merged;
}

export function converseOutput(body: Json, override?: Record<string, unknown>): FakeConverseOutput {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const lastUser = [...messages].reverse().find((message) => isRecord(message) && message.role === 'user');
  const text = turnText(lastUser);
  const input = inputTokens(body);
  const tool = chooseTool(body, lastUser);
  if (tool) {
    const toolInput = valueForSchema(tool.schema ?? { type: 'object' }, text);
    const toolUseId = `tooluse_${hashString(`${tool.name}:${JSON.stringify(toolInput)}`).toString(36).padStart(7, '0')}`;
    const output = countTokens(JSON.stringify(toolInput));
    return {
      text: null,
      toolUse: { toolUseId, name: tool.name, input: toolInput },
      stopReason: 'tool_use',
      usage: withUsageOverride({ inputTokens: input, outputTokens: output, totalTokens: input + output }, override),
    };
  }
  const config = isRecord(body.inferenceConfig) ? body.inferenceConfig : {};
  let content = `Echo: ${text}`;
  let stopReason: FakeConverseOutput['stopReason'] = 'end_turn';
  const stops = Array.isArray(config.stopSequences) ? config.stopSequences.filter((stop) => typeof stop === 'string') : [];
  for (const stop of stops) {
    const at = stop.length > 0 ? content.indexOf(stop) : -1;
    if (at >= 0) {
      content = content.slice(0, at);
      stopReason = 'stop_sequence';
    }
  }
  if (typeof config.maxTokens === 'number' && countTokens(content) > config.maxTokens) {
    content = cutToTokens(content, config.maxTokens);
    stopReason = 'max_tokens';
  }
  const output = countTokens(content);
  return {
    text: content,
    toolUse: null,
    stopReason,
    usage: withUsageOverride({ inputTokens: input, outputTokens: output, totalTokens: input + output }, override),
  };
}
