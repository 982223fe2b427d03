import type { ChatCompletionChunk, ChatCompletionRequest, ChatMessage } from '@gateway/contracts';
import type { StreamPart, Usage } from '@gateway/providers';
import type { Transcript } from './continued-stream.ts';
import { LeadingWhitespace, prefillOf, remainingCap } from './continuation-policy.ts';

type ChunkPart = Extract<StreamPart, { type: 'chunk' }>;

/**
 * The OpenAI surface's transcript: the text of choice 0 as the client got it. A follow-up's chunks keep
 * the first stream's `id` and `created`, lose the `role` the client already got, and its usage chunk
 * reports the whole answer's usage (the broken stream's estimated).
 */
export class ChatTranscript implements Transcript<StreamPart, ChatCompletionRequest> {
  private text = '';
  private plain = true;
  private finished = false;
  private first: { id: string; created: number } | undefined;
  private leading = new LeadingWhitespace(false);

  constructor(private readonly request: ChatCompletionRequest) {}

  /** Only one choice can be continued, and only without logprobs (a follow-up cannot line them up). */
  static applies(request: ChatCompletionRequest): boolean {
    return (request.n ?? 1) === 1 && (request as { logprobs?: unknown }).logprobs !== true;
  }

  observe(part: StreamPart): void {
    if (part.type !== 'chunk') return;
    const { chunk } = part;
    this.first ??= { id: chunk.id, created: chunk.created };
    for (const choice of chunk.choices) {
      if (choice.index !== 0) this.plain = false;
      const { delta } = choice;
      if (typeof delta.content === 'string') this.text += delta.content;
      if (delta.tool_calls !== undefined || delta.function_call !== undefined || (typeof delta.refusal === 'string' && delta.refusal.length > 0)) {
        this.plain = false;
      }
      if (choice.finish_reason) this.finished = true;
    }
  }

  continuable(): boolean {
    return this.plain && !this.finished;
  }

  textLength(): number {
    return this.text.length;
  }

  followUp(): ChatCompletionRequest {
    const { prefill, trimmed } = prefillOf(this.text);
    this.leading = new LeadingWhitespace(trimmed);
    if (prefill.length === 0) return this.request;
    const messages: ChatMessage[] = [...this.request.messages];
    const last = messages.at(-1);
    // A client's own trailing assistant turn (a prefill) is extended rather than followed by another.
    if (last?.role === 'assistant' && typeof last.content === 'string' && last.tool_calls === undefined) {
      messages[messages.length - 1] = { ...last, content: last.content + prefill };
    } else {
      messages.push({ role: 'assistant', content: prefill });
    }
    const followUp: ChatCompletionRequest = { ...this.request, messages };
    if (typeof followUp.max_tokens === 'number') followUp.max_tokens = remainingCap(followUp.max_tokens, this.text.length);
    if (typeof followUp.max_completion_tokens === 'number') {
      followUp.max_completion_tokens = remainingCap(followUp.max_completion_tokens, this.text.length);
    }
    return followUp;
  }

  startContinuation(): void {}

  adapt(part: ChunkPart, brokenUsage: (followUpInputTokens: number) => Usage): StreamPart[] {
    const chunk: ChatCompletionChunk = { ...part.chunk, ...(this.first ?? {}) };
    chunk.choices = [];
    for (const choice of part.chunk.choices) {
      const { role: _role, ...delta } = choice.delta;
      if (typeof delta.content === 'string') delta.content = this.leading.cut(delta.content);
      const empty = Object.values(delta).every((value) => value === undefined || value === null || value === '');
      // The opening chunk (role and empty content) was already sent by the first stream.
      if (empty && !choice.finish_reason) continue;
      chunk.choices.push({ ...choice, delta });
    }
    if (part.chunk.usage) {
      const broken = brokenUsage(part.chunk.usage.prompt_tokens);
      const prompt = part.chunk.usage.prompt_tokens + broken.inputTokens;
      const completion = part.chunk.usage.completion_tokens + broken.outputTokens;
      chunk.usage = { ...part.chunk.usage, prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    }
    if (chunk.choices.length === 0 && !chunk.usage) return [];
    return [{ ...part, chunk }];
  }
}
