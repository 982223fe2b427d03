import type { ChatCompletionChunk } from '@gateway/contracts';
import { invalidAnswer, type UpstreamClient, type UpstreamResponse } from '../http.ts';
import type { FinishReason, StreamPart, Usage } from '../types.ts';
import { midStreamError, serverSentEvents, streamEndedEarly, streamEventJson, UpstreamBody } from '../upstream-body.ts';
import { candidateParts, completionId } from './chat-response.ts';
import { openAiFinishReason, toOpenAiUsage } from '../openai-shapes/index.ts';
import { blockedPromptFinishReason, geminiFinishReason } from './finish-reason.ts';
import { toUsage } from './usage.ts';
import { generateContentResponseSchema, type GeminiUsageMetadata } from './wire.ts';

interface CandidateState {
  /** How many tool calls this candidate has streamed: the `index` of its next one. */
  toolCalls: number;
  finish: FinishReason | undefined;
}

/**
 * Turns Gemini's `streamGenerateContent?alt=sse` body into OpenAI-shaped stream parts. Each SSE event is
 * a whole GenerateContentResponse holding the next piece of each candidate; there is no `[DONE]`: the
 * stream ends with the body, and its last events carry `finishReason` and `usageMetadata`. Per
 * candidate: a first chunk with the role, text deltas (thoughts as `reasoning_content`), each function
 * call as one whole tool_calls delta, then a finish chunk; after the body ends, a usage-only chunk and
 * the `finish` part (choice 0's finish reason). A body that ends before any finish reason, or an error
 * object in the stream, throws a ProviderError from the iterator.
 */
export async function* geminiStreamParts(
  client: UpstreamClient,
  response: UpstreamResponse,
  model: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamPart> {
  const body = new UpstreamBody(client, response, signal);
  const { statusCode } = body;
  const candidates = new Map<number, CandidateState>();
  let metadata: GeminiUsageMetadata | undefined;
  let id: string | undefined;
  let modelName = model;
  const created = Math.floor(Date.now() / 1000);
  let blocked: FinishReason | undefined;

  const chunk = (choices: ChatCompletionChunk['choices']): ChatCompletionChunk => ({
    id: id ?? completionId(undefined),
    object: 'chat.completion.chunk',
    created,
    model: modelName,
    choices,
  });

  for await (const event of serverSentEvents(body)) {
    const json = streamEventJson(client, statusCode, event.data);
    // An error object in the stream: Google failed while answering, so its words go to logs only.
    if (typeof json === 'object' && json !== null && 'error' in json) throw midStreamError(client, event.data);
    const parsed = generateContentResponseSchema.safeParse(json);
    if (!parsed.success) throw invalidAnswer(client, statusCode, 'a stream event of an unexpected shape');
    const upstream = parsed.data;
    id ??= completionId(upstream.responseId);
    if (upstream.modelVersion) modelName = upstream.modelVersion;
    if (upstream.usageMetadata) metadata = upstream.usageMetadata;
    const eventCandidates = upstream.candidates ?? [];
    if (eventCandidates.length === 0 && upstream.promptFeedback?.blockReason && candidates.size === 0) {
      blocked = blockedPromptFinishReason(upstream.promptFeedback.blockReason);
      yield { type: 'chunk', chunk: chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]) };
      yield { type: 'chunk', chunk: chunk([{ index: 0, delta: {}, finish_reason: openAiFinishReason(blocked) }]) };
      continue;
    }
    for (const [position, candidate] of eventCandidates.entries()) {
      const index = candidate.index ?? position;
      let state = candidates.get(index);
      const first = state === undefined;
      state ??= { toolCalls: 0, finish: undefined };
      candidates.set(index, state);
      const parts = candidateParts(candidate);
      const delta: ChatCompletionChunk['choices'][number]['delta'] = first ? { role: 'assistant', content: '' } : {};
      if (parts.text.length > 0) delta.content = parts.text;
      if (parts.reasoning.length > 0) delta.reasoning_content = parts.reasoning;
      if (parts.toolCalls.length > 0) {
        delta.tool_calls = parts.toolCalls.map((call) => ({ index: (state.toolCalls += 1) - 1, ...call }));
      }
      if (Object.keys(delta).length > 0) yield { type: 'chunk', chunk: chunk([{ index, delta, finish_reason: null }]) };
      if (candidate.finishReason) {
        state.finish = geminiFinishReason(candidate.finishReason, state.toolCalls > 0);
        yield { type: 'chunk', chunk: chunk([{ index, delta: {}, finish_reason: openAiFinishReason(state.finish) }]) };
      }
    }
  }
  const finishReason = candidates.get(0)?.finish ?? [...candidates.values()].find((state) => state.finish)?.finish ?? blocked;
  if (finishReason === undefined) throw streamEndedEarly(client);
  const usage: Usage | null = metadata ? toUsage(metadata) : null;
  if (usage) yield { type: 'chunk', chunk: { ...chunk([]), usage: toOpenAiUsage(usage) }, usageOnly: true };
  yield { type: 'finish', finishReason, usage };
}
