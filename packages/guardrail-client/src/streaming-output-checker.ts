import type { GuardrailDenial, GuardrailFinding, GuardrailOutputResponse, GuardrailVerdict, PlaceholderCounts } from '@gateway/contracts';
import { PlaceholderAllocator } from './placeholders.ts';
import { resolveOverlaps } from './finding.ts';
import { piiPriority } from './priority.ts';
import { partialPlaceholderStart, restorePlaceholders } from './restore-placeholders.ts';

/**
 * Checks text of a stream: the API passes a function that sends `guardrail.v1.check_output` with
 * `{ text, complete }` (or runs the checks in process). `complete` is false for a window, true for the
 * whole answer at the end (only with `checkWholeAnswer`). Positions in the answer are in `text`.
 */
export type WindowInspector = (text: string, complete: boolean) => Promise<Pick<GuardrailOutputResponse, 'action' | 'denial' | 'verdicts' | 'findings'>>;

export interface StreamingOutputCheckerOptions {
  inspect: WindowInspector;
  /** The input check's `restore`: reversible placeholders are put back before text leaves. Kept in memory only. */
  restore?: Readonly<Record<string, string>>;
  /** The input check's `placeholderCounts`, so output placeholders never collide with restored ones. */
  placeholderCounts?: PlaceholderCounts;
  /**
   * Characters kept back at the end of the text seen so far: an entity split across chunks is whole
   * before any of it leaves, as long as it is shorter than this. Default 128.
   */
  holdbackChars?: number;
  /**
   * Characters past the holdback that must be pending before the service is asked: fewer, larger
   * releases (one round trip per this many characters, not per token). Default 16.
   */
  minReleaseChars?: number;
  /** Characters of text already sent that each window repeats, so a deny pattern across the boundary is seen. Default 256. */
  contextChars?: number;
  /**
   * Also check the whole answer once it has ended, for the checks that need all of it (`json_schema`,
   * `max_size` on output). The answer is kept in memory for that. Its text has left by then, so such a
   * deny can only end the stream with an error event instead of its normal end.
   */
  checkWholeAnswer?: boolean;
}

/** What may leave now. After a deny, `text` is empty, nothing more is accepted, and the stream should end with an error event. */
export interface StreamStep {
  text: string;
  denial?: GuardrailDenial;
}

const strength = { pass: 0, flag: 1, redact: 2, deny: 3 } as const;

/** A word longer than this is released even unfinished (a stream of one huge token must not stall). */
const maxWordChars = 8192;

/**
 * The output checks of a streamed answer, fed chunk by chunk. Text is held back until no entity can
 * still be growing across its end (a sliding window of `holdbackChars`), checked with the text around
 * it, redacted, its reversible placeholders restored, and only then released. A deny stops the stream.
 * The service is asked once `holdbackChars + minReleaseChars` are pending, and at the end.
 *
 * Use: `step = await checker.push(delta)` for every content delta (send `step.text` if not empty), then
 * `step = await checker.finish()` at the end (send its text, then its denial as an error event if any);
 * `checker.verdicts()` gives one verdict per check for the usage record. Calls must not overlap (await
 * each before the next).
 */
export class StreamingOutputChecker {
  readonly #inspect: WindowInspector;
  readonly #restore: Readonly<Record<string, string>>;
  readonly #placeholders: PlaceholderAllocator;
  readonly #holdback: number;
  readonly #minRelease: number;
  readonly #contextChars: number;
  /** Raw model text already released (its tail), and raw text not released yet. */
  #context = '';
  #pending = '';
  /** The whole raw answer, kept only with `checkWholeAnswer`. */
  #answer: string | undefined;
  #denial: GuardrailDenial | undefined;
  readonly #verdicts = new Map<string, GuardrailVerdict>();

  constructor(options: StreamingOutputCheckerOptions) {
    this.#inspect = options.inspect;
    this.#restore = options.restore ?? {};
    this.#placeholders = new PlaceholderAllocator(options.placeholderCounts);
    this.#holdback = options.holdbackChars ?? 128;
    this.#minRelease = options.minReleaseChars ?? 16;
    this.#contextChars = options.contextChars ?? 256;
    this.#answer = options.checkWholeAnswer ? '' : undefined;
  }

  get denied(): GuardrailDenial | undefined {
    return this.#denial;
  }

  async push(chunk: string): Promise<StreamStep> {
    if (this.#denial) return { text: '', denial: this.#denial };
    this.#pending += chunk;
    if (this.#answer !== undefined) this.#answer += chunk;
    // Nothing (or too little) could leave yet: save the round trip until there is more.
    if (this.#pending.length < this.#holdback + this.#minRelease) return { text: '' };
    return this.#release(false);
  }

  /** The end of the answer: checks and releases everything still held back. */
  async finish(): Promise<StreamStep> {
    if (this.#denial) return { text: '', denial: this.#denial };
    const last = this.#pending === '' ? { text: '' } : await this.#release(true);
    if (last.denial || this.#answer === undefined) return last;
    const whole = await this.#inspect(this.#answer, true);
    this.#recordVerdicts(whole.verdicts);
    if (whole.action === 'deny') {
      this.#denial = whole.denial ?? { policy: '', check: 'json_schema', index: 0, message: 'output denied' };
      return { text: last.text, denial: this.#denial };
    }
    return last;
  }

  /** One verdict per check seen: the strongest it reached, entity counts of what was released. */
  verdicts(): GuardrailVerdict[] {
    return [...this.#verdicts.values()];
  }

  async #release(final: boolean): Promise<StreamStep> {
    const offset = this.#context.length;
    const window = this.#context + this.#pending;
    const answer = await this.#inspect(window, false);
    this.#recordVerdicts(answer.verdicts);
    if (answer.action === 'deny') {
      for (const finding of answer.findings) if (finding.action === 'deny' && finding.end > offset) this.#count(finding);
      this.#denial = answer.denial ?? { policy: '', check: 'regex', index: 0, message: 'output denied' };
      this.#pending = '';
      return { text: '', denial: this.#denial };
    }
    const cut = final ? this.#pending.length : this.#safeCut(answer.findings, offset);
    if (cut <= 0) return { text: '' };
    const released = this.#pending.slice(0, cut);
    const end = offset + cut;
    // Matches that start in released text are counted now; those in the context were counted before.
    for (const finding of answer.findings) if (finding.start >= offset && finding.start < end) this.#count(finding);
    const text = this.#render(released, offset, answer.findings);
    this.#context = (this.#context + released).slice(-this.#contextChars);
    this.#pending = this.#pending.slice(cut);
    return { text };
  }

  /** How much of the pending text can leave: not the last `holdback` characters, never part of a match, never half a placeholder. */
  #safeCut(findings: readonly GuardrailFinding[], offset: number): number {
    const windowLength = offset + this.#pending.length;
    let cut = Math.max(0, this.#pending.length - this.#holdback);
    // Each rule only moves the cut back; repeat until none moves it.
    for (let previous = -1; previous !== cut; ) {
      previous = cut;
      for (const finding of findings) {
        const start = finding.start - offset;
        // A match across the cut, or one reaching the end of what arrived (it may still be growing).
        if (start < cut && (finding.end - offset > cut || finding.end >= windowLength)) cut = Math.max(0, start);
      }
      cut = Math.min(cut, partialPlaceholderStart(this.#pending.slice(0, cut)));
      // Emails, URLs, keys and card numbers without spaces are one word: a word is released whole (its
      // start alone may not be recognisable yet), unless it grows past the longest a stream may hold.
      if (cut > 0 && cut < this.#pending.length && /\S/.test(this.#pending[cut]!) && /\S/.test(this.#pending[cut - 1]!)) {
        const boundary = this.#pending.slice(0, cut).search(/\s\S*$/);
        if (boundary !== -1) cut = boundary + 1;
        else if (this.#pending.length < maxWordChars) cut = 0;
      }
    }
    return cut;
  }

  /** The released text with its redact matches replaced and reversible placeholders restored. */
  #render(released: string, offset: number, findings: readonly GuardrailFinding[]): string {
    const spans = resolveOverlaps(
      findings
        .filter((finding) => finding.action === 'redact' && finding.end > offset && finding.start < offset + released.length)
        .map((finding) => ({ ...finding, start: Math.max(0, finding.start - offset), end: Math.min(released.length, finding.end - offset) })),
      piiPriority,
    );
    let text = '';
    let position = 0;
    for (const span of spans) {
      text += restorePlaceholders(released.slice(position, span.start), this.#restore);
      text += this.#placeholders.placeholderFor(span.type, released.slice(span.start, span.end));
      position = span.end;
    }
    return text + restorePlaceholders(released.slice(position), this.#restore);
  }

  #recordVerdicts(verdicts: readonly GuardrailVerdict[]): void {
    for (const verdict of verdicts) {
      const key = `${verdict.policy}\u0000${verdict.index}`;
      const known = this.#verdicts.get(key);
      if (!known) {
        // Entities are counted from the findings as text is released, not from windows that overlap.
        const { entities: _perWindow, ...rest } = verdict;
        this.#verdicts.set(key, rest);
        continue;
      }
      if (strength[verdict.verdict] > strength[known.verdict]) known.verdict = verdict.verdict;
      if (verdict.score !== undefined) known.score = Math.max(known.score ?? 0, verdict.score);
    }
  }

  #count(finding: GuardrailFinding): void {
    const verdict = this.#verdicts.get(`${finding.policy}\u0000${finding.index}`);
    if (!verdict) return;
    verdict.entities = { ...verdict.entities, [finding.type]: (verdict.entities?.[finding.type] ?? 0) + 1 };
  }
}
