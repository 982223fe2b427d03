import { embeddingVector, hashString, type FakeUsage } from './fake-openai-content.ts';
import { countTokens, cutToTokens } from './fake-tokens.ts';
import { valueForGoogleSchema } from './schema-value.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * What the fake Gemini answers: deterministic, so tests can assert content and token counts exactly.
 *
 * - Text echoes the last user turn: `Echo: <text>` for candidate 0, `Echo <i>: <text>` for candidate
 *   i > 0, where text is the turn's text parts joined by spaces (or, for a turn of function responses,
 *   their `response` objects as JSON). `maxOutputTokens` cuts it to that many words (finish reason
 *   MAX_TOKENS); a stop sequence cuts it before the sequence.
 * - `responseMimeType: application/json` answers `{"echo": text}`, or with a `responseJsonSchema`
 *   (or `responseSchema`) a value of the schema's shape (required properties always present).
 * - Function calls: `toolConfig.functionCallingConfig.mode` ANY calls the first allowed (or declared)
 *   function; AUTO (or none given) calls every declared function whose name the last user turn's text
 *   mentions, in one turn (parallel calls); NONE never calls one. Arguments fill the declared
 *   schema's properties. Gemini 3 models (`gemini-3…`) sign the first call with a `thoughtSignature`.
 * - `thinkingConfig.includeThoughts` adds a thought part `Thinking about: <text>` before the answer.
 * - A last user text containing `[blocked]` is refused: `promptFeedback.blockReason` SAFETY, no candidates.
 * - Tokens are words: promptTokenCount = words in every text of the contents and the system
 *   instruction; candidatesTokenCount = words of every candidate's answer and function call arguments;
 *   thoughtsTokenCount = words of the thoughts.
 */

export function partsOf(content: unknown): Json[] {
  return isRecord(content) && Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
}

function contentsOf(body: Json): Json[] {
  return Array.isArray(body.contents) ? body.contents.filter(isRecord) : [];
}

function textOfParts(parts: Json[]): string {
  return parts
    .filter((part) => typeof part.text === 'string' && part.thought !== true)
    .map((part) => part.text as string)
    .join(' ');
}

/** Every text the prompt holds, for counting its tokens. */
function promptText(body: Json): string {
  const system = body.systemInstruction ?? body.system_instruction;
  const texts = [textOfParts(partsOf(system))];
  for (const content of contentsOf(body)) {
    for (const part of partsOf(content)) {
      if (typeof part.text === 'string') texts.push(part.text);
      if (isRecord(part.functionCall)) texts.push(JSON.stringify(part.functionCall.args ?? {}));
      if (isRecord(part.functionResponse)) texts.push(JSON.stringify(part.functionResponse.response ?? {}));
    }
  }
  return texts.join(' ');
}

export function promptTokenCount(body: Json): number {
  return countTokens(promptText(body));
}

function lastUserParts(body: Json): Json[] {
  const last = contentsOf(body).filter((content) => content.role === undefined || content.role === 'user').at(-1);
  return partsOf(last);
}

function echoText(body: Json): string {
  const parts = lastUserParts(body);
  const text = textOfParts(parts);
  if (text.length > 0) return text;
  return parts
    .filter((part) => isRecord(part.functionResponse))
    .map((part) => JSON.stringify((part.functionResponse as Json).response ?? {}))
    .join(' ');
}

export function generationConfigOf(body: Json): Json {
  const config = body.generationConfig ?? body.generation_config;
  return isRecord(config) ? config : {};
}

/** Reads a field given in camelCase or snake_case, as Google's JSON parser accepts both. */
export function field(record: Json, camel: string): unknown {
  if (record[camel] !== undefined) return record[camel];
  return record[camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)];
}

interface Declaration {
  name: string;
  schema: unknown;
}

export function declarationsOf(body: Json): Declaration[] {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  return tools.flatMap((tool) => {
    const declarations = field(tool, 'functionDeclarations');
    return (Array.isArray(declarations) ? declarations.filter(isRecord) : [])
      .filter((declaration) => typeof declaration.name === 'string')
      .map((declaration) => ({
        name: declaration.name as string,
        schema: field(declaration, 'parametersJsonSchema') ?? declaration.parameters,
      }));
  });
}

export function functionCallingConfigOf(body: Json): Json {
  const toolConfig = field(body, 'toolConfig');
  const config = isRecord(toolConfig) ? field(toolConfig, 'functionCallingConfig') : undefined;
  return isRecord(config) ? config : {};
}

function chooseFunctions(body: Json): Declaration[] {
  const declarations = declarationsOf(body);
  if (declarations.length === 0) return [];
  const config = functionCallingConfigOf(body);
  const mode = typeof config.mode === 'string' ? config.mode : 'AUTO';
  const allowedField = field(config, 'allowedFunctionNames');
  const allowed = Array.isArray(allowedField) ? allowedField : undefined;
  const permitted = allowed ? declarations.filter((declaration) => allowed.includes(declaration.name)) : declarations;
  if (mode === 'NONE') return [];
  if (mode === 'ANY') return permitted.slice(0, 1);
  const parts = lastUserParts(body);
  if (parts.some((part) => isRecord(part.functionResponse))) return [];
  const text = textOfParts(parts);
  return permitted.filter((declaration) => text.includes(declaration.name));
}

export interface FakeCandidate {
  index: number;
  thought: string | null;
  text: string | null;
  functionCalls: Array<{ name: string; args: Json; thoughtSignature?: string }>;
  finishReason: 'STOP' | 'MAX_TOKENS';
}

export interface FakeGeminiAnswer {
  blockReason: string | null;
  candidates: FakeCandidate[];
  usageMetadata: Json;
}

function answerText(body: Json, index: number, text: string): string {
  const config = generationConfigOf(body);
  if (field(config, 'responseMimeType') === 'application/json') {
    const schema = field(config, 'responseJsonSchema') ?? field(config, 'responseSchema');
    return JSON.stringify(schema === undefined ? { echo: text } : valueForGoogleSchema(schema, text));
  }
  return index === 0 ? `Echo: ${text}` : `Echo ${index}: ${text}`;
}

function stopSequencesOf(config: Json): string[] {
  const stops = field(config, 'stopSequences');
  return Array.isArray(stops) ? stops.filter((stop): stop is string => typeof stop === 'string') : [];
}

export function geminiAnswer(body: Json, model: string, override: Partial<FakeUsage> | undefined): FakeGeminiAnswer {
  const config = generationConfigOf(body);
  const text = echoText(body);
  const prompt = promptTokenCount(body);
  if (text.includes('[blocked]')) {
    return { blockReason: 'SAFETY', candidates: [], usageMetadata: usageMetadata(prompt, 0, 0, override) };
  }
  const countField = field(config, 'candidateCount');
  const count = typeof countField === 'number' && countField > 0 ? countField : 1;
  const limitField = field(config, 'maxOutputTokens');
  const limit = typeof limitField === 'number' ? limitField : undefined;
  const thinking = field(config, 'thinkingConfig');
  const includeThoughts = isRecord(thinking) && field(thinking, 'includeThoughts') === true;
  const functions = chooseFunctions(body);
  const signs = /^(?:models\/)?gemini-([3-9]|\d{2,})/.test(model);
  const candidates = Array.from({ length: count }, (_, index): FakeCandidate => {
    const thought = includeThoughts ? `Thinking about: ${text}` : null;
    if (functions.length > 0) {
      return {
        index,
        thought,
        text: null,
        functionCalls: functions.map((declaration, position) => {
          const args = valueForGoogleSchema(declaration.schema ?? { type: 'object' }, text);
          const call: FakeCandidate['functionCalls'][number] = { name: declaration.name, args: isRecord(args) ? args : {} };
          if (signs && position === 0) {
            call.thoughtSignature = Buffer.from(`sig:${hashString(`${declaration.name}:${index}`)}`).toString('base64');
          }
          return call;
        }),
        finishReason: 'STOP',
      };
    }
    let answer = answerText(body, index, text);
    let finishReason: FakeCandidate['finishReason'] = 'STOP';
    for (const stop of stopSequencesOf(config)) {
      const at = stop.length > 0 ? answer.indexOf(stop) : -1;
      if (at >= 0) answer = answer.slice(0, at);
    }
    if (limit !== undefined && countTokens(answer) > limit) {
      answer = cutToTokens(answer, limit);
      finishReason = 'MAX_TOKENS';
    }
    return { index, thought, text: answer, functionCalls: [], finishReason };
  });
  const output = candidates.reduce(
    (sum, candidate) =>
      sum +
      countTokens(candidate.text ?? '') +
      candidate.functionCalls.reduce((calls, call) => calls + countTokens(JSON.stringify(call.args)), 0),
    0,
  );
  const thoughts = candidates.reduce((sum, candidate) => sum + countTokens(candidate.thought ?? ''), 0);
  return { blockReason: null, candidates, usageMetadata: usageMetadata(prompt, output, thoughts, override) };
}

/**
 * Gemini's usageMetadata. A fault's usage override may give OpenAI's names (prompt_tokens,
 * completion_tokens) or Gemini's own (`cachedContentTokenCount`, `thoughtsTokenCount`, …).
 */
function usageMetadata(prompt: number, output: number, thoughts: number, override: Partial<FakeUsage> | undefined): Json {
  const metadata: Json = {
    promptTokenCount: override?.prompt_tokens ?? prompt,
    candidatesTokenCount: override?.completion_tokens ?? output,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: override?.prompt_tokens ?? prompt }],
  };
  if (thoughts > 0) metadata.thoughtsTokenCount = thoughts;
  for (const [key, value] of Object.entries(override ?? {})) {
    if (key.endsWith('TokenCount')) metadata[key] = value;
  }
  metadata.totalTokenCount =
    override?.total_tokens ??
    (metadata.promptTokenCount as number) +
      (metadata.candidatesTokenCount as number) +
      ((metadata.thoughtsTokenCount as number | undefined) ?? 0) +
      ((metadata.toolUsePromptTokenCount as number | undefined) ?? 0);
  // Google leaves zero counts out of its JSON.
  if (metadata.candidatesTokenCount === 0) delete metadata.candidatesTokenCount;
  return metadata;
}

export function candidateParts(candidate: FakeCandidate): Json[] {
  const parts: Json[] = [];
  if (candidate.thought !== null) parts.push({ text: candidate.thought, thought: true });
  if (candidate.text !== null) parts.push({ text: candidate.text });
  for (const call of candidate.functionCalls) {
    parts.push({ functionCall: { name: call.name, args: call.args }, ...(call.thoughtSignature ? { thoughtSignature: call.thoughtSignature } : {}) });
  }
  return parts;
}

/** The vector for one embed request: the fake OpenAI's, so both fakes agree. */
export function geminiEmbedding(text: string, dimensions: number | undefined): number[] {
  return embeddingVector(text, dimensions ?? defaultGeminiEmbeddingDimensions);
}

export const defaultGeminiEmbeddingDimensions = 8;
