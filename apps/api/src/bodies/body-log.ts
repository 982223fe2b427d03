import type { UsageBodies } from '@gateway/contracts';
import { CompletionText } from './completion-text.ts';
import { collectedBodyChars, loggedBody } from './logged-body.ts';
import { chatPromptText, messagesPromptText } from './prompt-text.ts';

/**
 * The prompt and completion of one request whose key logs bodies, collected as the request goes and
 * made into the usage record's `bodies` once the response is finished. The prompt is the body as it
 * goes upstream (after the guardrails' redactions); the completion is what the client got, with the
 * values the guardrails redacted reversibly put back to their placeholders (in both: tool-call
 * arguments, which the guardrails do not check, may repeat them). Scrubbing secrets and cutting to
 * size happen only in `toUsageBodies`, after the response: collecting costs the request nothing but
 * string copies.
 */
export class BodyLog {
  private readonly prompt: string;
  private readonly promptCut: boolean;
  private readonly completion: CompletionText;

  constructor(
    surface: 'openai' | 'anthropic',
    upstream: { messages: readonly unknown[]; system?: unknown },
    private readonly restore?: Readonly<Record<string, string>>,
  ) {
    const prompt = surface === 'openai' ? chatPromptText(upstream) : messagesPromptText(upstream);
    this.promptCut = prompt.length > collectedBodyChars;
    this.prompt = this.promptCut ? prompt.slice(0, collectedBodyChars) : prompt;
    this.completion = new CompletionText(surface, collectedBodyChars);
  }

  /** A whole answer (from the provider, or the cache), as the client gets it. */
  answered(answer: unknown): void {
    this.completion.addAnswer(answer);
  }

  /** One event of a streamed answer, as it is sent to the client. */
  streamed(data: unknown): void {
    this.completion.addStreamed(data);
  }

  /** The record's `bodies`: scrubbed, cut; no completion when no answer was seen (the request failed first). */
  toUsageBodies(): UsageBodies {
    const restore = this.restore ? { restore: this.restore } : {};
    const prompt = loggedBody(this.prompt, { cut: this.promptCut, ...restore });
    const completion = this.completion.empty ? null : loggedBody(this.completion.text(), { cut: this.completion.overflowed, ...restore });
    return {
      prompt: prompt.text,
      completion: completion?.text ?? null,
      promptTruncated: prompt.truncated,
      completionTruncated: completion?.truncated ?? false,
    };
  }
}
