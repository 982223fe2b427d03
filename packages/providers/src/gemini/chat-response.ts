import { randomBytes } from 'node:crypto';
import type { ChatCompletion } from '@gateway/contracts';
import type { FinishReason, Usage, Warning } from '../types.ts';
import { openAiFinishReason, toOpenAiUsage, type OpenAiToolCall } from '../openai-shapes/index.ts';
import { blockedPromptFinishReason, geminiFinishReason } from './finish-reason.ts';
import { toUsage } from './usage.ts';
import type { GeminiCandidate, GeminiGenerateContentResponse, GeminiResponsePart } from './wire.ts';

export function completionId(responseId: string | undefined): string {
  return `chatcmpl-${responseId ?? randomBytes(12).toString('base64url')}`;
}

export function toolCallId(geminiId: string | undefined): string {
  return geminiId ?? `call_${randomBytes(12).toString('base64url')}`;
}

export interface GeminiToolCall extends OpenAiToolCall {
  /** Gemini's thought signature, which Gemini 3 wants back with the call (the shape Google's OpenAI layer uses). */
  extra_content?: { google: { thought_signature: string } };
}

export function toToolCall(part: GeminiResponsePart & { functionCall: NonNullable<GeminiResponsePart['functionCall']> }): GeminiToolCall {
  const call: GeminiToolCall = {
    id: toolCallId(part.functionCall.id),
    type: 'function',
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
  };
  if (part.thoughtSignature) call.extra_content = { google: { thought_signature: part.thoughtSignature } };
  return call;
}

/** A candidate's parts sorted into answer text, thought text and function calls. */
export interface CandidateParts {
  text: string;
  reasoning: string;
  toolCalls: GeminiToolCall[];
  /** Parts the OpenAI shape has no place for (inline images, executable code…), by kind. */
  dropped: string[];
}

export function candidateParts(candidate: GeminiCandidate): CandidateParts {
  const sorted: CandidateParts = { text: '', reasoning: '', toolCalls: [], dropped: [] };
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) sorted.toolCalls.push(toToolCall({ ...part, functionCall: part.functionCall }));
    else if (typeof part.text === 'string') {
      if (part.thought === true) sorted.reasoning += part.text;
      else sorted.text += part.text;
    } else {
      const kind = Object.keys(part).find((key) => key !== 'thoughtSignature' && key !== 'thought');
      if (kind) sorted.dropped.push(kind);
    }
  }
  return sorted;
}

function droppedPartsWarning(provider: string, kinds: Set<string>): Warning {
  return {
    type: 'other',
    message: `provider ${provider} answered with parts the chat-completions shape cannot hold (${[...kinds].join(', ')}); they were left out`,
  };
}

/** Gemini `generateContent` response → OpenAI chat completion, with usage and choice 0's finish reason. */
export function toChatResult(
  upstream: GeminiGenerateContentResponse,
  model: string,
  provider: string,
): { response: ChatCompletion; usage: Usage; finishReason: FinishReason; warnings: Warning[] } {
  const usage = toUsage(upstream.usageMetadata);
  const warnings: Warning[] = [];
  const dropped = new Set<string>();
  const candidates = upstream.candidates ?? [];
  let firstFinish: FinishReason | undefined;
  const choices: ChatCompletion['choices'] = candidates.map((candidate, position) => {
    const parts = candidateParts(candidate);
    for (const kind of parts.dropped) dropped.add(kind);
    const finishReason = geminiFinishReason(candidate.finishReason, parts.toolCalls.length > 0);
    firstFinish ??= finishReason;
    const message: ChatCompletion['choices'][number]['message'] = {
      role: 'assistant',
      content: parts.text.length === 0 && parts.toolCalls.length > 0 ? null : parts.text,
    };
    if (parts.reasoning.length > 0) message.reasoning_content = parts.reasoning;
    if (parts.toolCalls.length > 0) message.tool_calls = parts.toolCalls;
    return { index: candidate.index ?? position, message, finish_reason: openAiFinishReason(finishReason) };
  });
  const blockReason = upstream.promptFeedback?.blockReason;
  if (choices.length === 0) {
    // A blocked prompt has no candidates: answered as an empty, content-filtered completion.
    const finishReason = blockedPromptFinishReason(blockReason ?? 'OTHER');
    firstFinish = finishReason;
    choices.push({ index: 0, message: { role: 'assistant', content: '' }, finish_reason: openAiFinishReason(finishReason) });
  }
  if (dropped.size > 0) warnings.push(droppedPartsWarning(provider, dropped));
  if (!upstream.usageMetadata) warnings.push({ type: 'other', message: `provider ${provider} reported no token usage` });
  return {
    response: {
      id: completionId(upstream.responseId),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: upstream.modelVersion ?? model,
      choices,
      usage: toOpenAiUsage(usage),
    },
    usage,
    finishReason: firstFinish ?? { unified: 'other', raw: null },
    warnings,
  };
}
