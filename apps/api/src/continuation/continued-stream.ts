import type { FastifyBaseLogger } from 'fastify';
import type { Plan, PlanTarget } from '@gateway/contracts';
import { attemptsOf, type AttemptRecord, type Execution, type ExecutionTarget, type Usage } from '@gateway/providers';
import { toGatewayError } from '../http/to-gateway-error.ts';
import { continuableError, estimateTokens, remainingPlan } from './continuation-policy.ts';

type FinishPart = { type: 'finish'; usage: Usage | null };

/** What a surface knows about the stream its client got so far, and how to continue it. */
export interface Transcript<Part, Request> {
  /** Notes a part the client is about to get. */
  observe(part: Part): void;
  /** Whether what the client got so far is plain text that an assistant prefill can carry. */
  continuable(): boolean;
  /** Characters of text the client got so far. */
  textLength(): number;
  /** The original request with the text so far as assistant prefill. */
  followUp(): Request;
  /** A follow-up opened: the parts that follow continue the client's stream. */
  startContinuation(): void;
  /**
   * A follow-up part as the client gets it: none, one, or more parts. `brokenUsage` estimates what the
   * broken streams used, given the follow-up's input tokens, for usage reports inside the stream.
   */
  adapt(part: Exclude<Part, FinishPart>, brokenUsage: (followUpInputTokens: number) => Usage): Part[];
}

/** One provider stream of the answer: every one but the last broke. */
export interface Segment {
  target: ExecutionTarget;
  /** Characters of text the client had when this stream started, and when it ended. */
  textStart: number;
  textEnd: number;
  /** What the provider reported (only a stream that finished reports it). */
  usage: Usage | null;
}

export interface ContinuationSettings<Part, Request> {
  first: Execution<{ parts: AsyncIterable<Part> }>;
  plan: Plan;
  transcript: Transcript<Part, Request>;
  /** Whether a target continues an assistant prefill (see `prefillTargets`): only those finish an answer. */
  continues(target: PlanTarget): boolean;
  /** Opens a follow-up stream on the given (remaining) plan. */
  open(plan: Plan, request: Request): Promise<Execution<{ parts: AsyncIterable<Part> }>>;
  /** Off with `x-gateway-continuation: off`, or when the request cannot be continued (n > 1, thinking…). */
  enabled: boolean;
  /** The client's signal: a client that left is never continued. */
  signal: AbortSignal;
  log: FastifyBaseLogger;
}

/** What the relay needs of a continued stream (see ContinuedStream). */
export interface ContinuedParts<Part> {
  parts(): AsyncIterable<Part>;
  /** True once a follow-up continued the answer. */
  readonly continued: boolean;
  /** The target that finished the answer (or is serving it now). */
  readonly target: ExecutionTarget;
  /** Provider attempts over all segments. */
  readonly attempts: number;
  /** Those attempts themselves, in the order they ended (follow-ups that failed to open included). */
  readonly attemptLog: readonly AttemptRecord[];
  usages(): Array<{ target: ExecutionTarget; usage: Usage }>;
}

/**
 * Continuation failover: the parts of a provider stream, and when that stream breaks after output has
 * reached the client, the parts of a follow-up that continues the same answer (the text so far as
 * assistant prefill) on the plan's next target able to continue a prefill (`continues`: Anthropic
 * models), adapted so the client sees one stream. A follow-up that breaks is continued in turn while
 * such targets remain. It applies only while the output is plain text;
 * otherwise, or when no target remains or the follow-up cannot open, the original error ends the stream.
 */
export class ContinuedStream<Part extends { type: string }, Request> implements ContinuedParts<Part> {
  readonly segments: Segment[];
  /** Every attempt of every segment, and of follow-ups that failed to open, in the order they ended. */
  private readonly attempted: AttemptRecord[];

  constructor(private readonly settings: ContinuationSettings<Part, Request>) {
    const { first } = settings;
    this.segments = [{ target: first.target, textStart: 0, textEnd: 0, usage: null }];
    this.attempted = [...first.attempts];
  }

  get attemptLog(): readonly AttemptRecord[] {
    return this.attempted;
  }

  get continued(): boolean {
    return this.segments.length > 1;
  }

  get attempts(): number {
    return this.attempted.length;
  }

  get target(): ExecutionTarget {
    return this.segments.at(-1)!.target;
  }

  async *parts(): AsyncGenerator<Part> {
    const { transcript, log } = this.settings;
    let current = this.settings.first;
    let plan = this.settings.plan;
    const brokenUsage = (input: number) => this.brokenUsage(input);
    for (;;) {
      const segment = this.segments.at(-1)!;
      const following = this.segments.length > 1;
      try {
        for await (const part of current.result.parts) {
          if (part.type === 'finish') {
            segment.usage = (part as unknown as FinishPart).usage;
            yield part;
            continue;
          }
          const adapted = following ? transcript.adapt(part as Exclude<Part, FinishPart>, brokenUsage) : [part];
          for (const out of adapted) {
            transcript.observe(out);
            yield out;
          }
        }
        segment.textEnd = transcript.textLength();
        return;
      } catch (thrown) {
        segment.textEnd = transcript.textLength();
        const error = toGatewayError(thrown);
        if (this.settings.signal.aborted || !this.settings.enabled || !continuableError(error) || !transcript.continuable()) throw thrown;
        const rest = remainingPlan(plan, segment.target, this.settings.continues);
        if (!rest) throw thrown;
        let next: Execution<{ parts: AsyncIterable<Part> }>;
        try {
          next = await this.settings.open(rest, transcript.followUp());
        } catch (followUpError) {
          this.attempted.push(...(attemptsOf(followUpError) ?? []));
          log.warn({ code: toGatewayError(followUpError).code, broken: error.code }, 'continuation failover could not open a follow-up stream');
          throw thrown;
        }
        log.warn(
          { code: error.code, source: error.source, from: `${segment.target.provider}/${segment.target.model}`, to: `${next.target.provider}/${next.target.model}`, characters: segment.textEnd },
          'stream broke after it started; continuing on the next target',
        );
        transcript.startContinuation();
        this.segments.push({ target: next.target, textStart: segment.textEnd, textEnd: segment.textEnd, usage: null });
        this.attempted.push(...next.attempts);
        current = next;
        plan = rest;
      }
    }
  }

  /**
   * What every segment used: the last as reported, the broken ones estimated (they never reported):
   * output from the text they produced, input as the last segment's input less the prefill it carried
   * more than they did.
   */
  usages(): Array<{ target: ExecutionTarget; usage: Usage }> {
    const last = this.segments.at(-1)!;
    const lastUsage = last.usage ?? { inputTokens: 0, outputTokens: 0 };
    return this.segments.map((segment) => ({
      target: segment.target,
      usage: segment === last ? lastUsage : this.estimate(segment, lastUsage.inputTokens),
    }));
  }

  private brokenUsage(followUpInputTokens: number): Usage {
    const total = { inputTokens: 0, outputTokens: 0 };
    for (const segment of this.segments.slice(0, -1)) {
      const usage = this.estimate(segment, followUpInputTokens);
      total.inputTokens += usage.inputTokens;
      total.outputTokens += usage.outputTokens;
    }
    return total;
  }

  private estimate(segment: Segment, lastInputTokens: number): Usage {
    const last = this.segments.at(-1)!;
    return {
      inputTokens: Math.max(0, lastInputTokens - estimateTokens(last.textStart) + estimateTokens(segment.textStart)),
      outputTokens: estimateTokens(segment.textEnd - segment.textStart),
    };
  }
}
