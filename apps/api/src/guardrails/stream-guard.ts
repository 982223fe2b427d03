import { GatewayError, guardrailCheckOutput, type GuardrailDenial, type GuardrailPolicy, type GuardrailVerdict } from '@gateway/contracts';
import { StreamingOutputChecker, type WindowInspector } from '@gateway/guardrail-client';
import type { GuardedRequest } from './guarded-call.ts';
import { hasPhase, type RequestGuardrails } from './request-guardrails.ts';

/** The error a stream ends with when an output check denies. */
export function streamDenied(denial: GuardrailDenial): GatewayError {
  return new GatewayError('guardrail_denied', `Refused by guardrail: ${denial.message}`, { param: `${denial.policy}.checks[${denial.index}].${denial.check}` });
}

/**
 * The output guardrails of one streamed answer: one StreamingOutputChecker per choice (OpenAI) or text
 * block (Anthropic), fed the text deltas as they arrive. Text is held back until it is safe to release
 * (an entity split across chunks is whole first), redacted, and reversible placeholders are restored
 * before it leaves. A deny throws `guardrail_denied`, which ends the stream with an error event.
 */
export class StreamGuard {
  private readonly checkers = new Map<number, StreamingOutputChecker>();
  private readonly inspect: WindowInspector;
  private readonly wholeAnswer: boolean;

  constructor(
    guardrails: RequestGuardrails,
    private readonly context: { requestId: string; guarded: GuardedRequest<unknown>; verdicts: GuardrailVerdict[]; flags: string[] },
  ) {
    const { requestId, guarded } = context;
    const { policies, input } = guarded;
    const checks = hasPhase(policies, 'output');
    this.wholeAnswer = policies.some((policy: GuardrailPolicy) =>
      policy.checks.some((check) => (check.type === 'json_schema' || check.type === 'max_size') && (check.phase === 'output' || check.phase === 'both')),
    );
    const allow = { action: 'allow' as const, verdicts: [], findings: [] };
    this.inspect = async (text, complete) => {
      // Only restoring reversible placeholders: nothing to ask the service.
      if (!checks) return allow;
      const answer = await guardrails.ask('output', { requestId, policies, flags: context.flags }, () =>
        guardrails.bus.request(
          guardrailCheckOutput,
          { requestId, policies, text, complete, ...(input.placeholderCounts ? { placeholderCounts: input.placeholderCounts } : {}) },
          { context: { requestId } },
        ),
      );
      return answer ?? allow;
    };
  }

  private checker(index: number): StreamingOutputChecker {
    let checker = this.checkers.get(index);
    if (!checker) {
      const { input } = this.context.guarded;
      checker = new StreamingOutputChecker({
        inspect: this.inspect,
        ...(input.restore ? { restore: input.restore } : {}),
        ...(input.placeholderCounts ? { placeholderCounts: input.placeholderCounts } : {}),
        checkWholeAnswer: this.wholeAnswer,
      });
      this.checkers.set(index, checker);
    }
    return checker;
  }

  /** A text delta of choice / block `index`: what may be sent now (possibly ''). */
  async push(index: number, text: string): Promise<string> {
    const step = await this.checker(index).push(text);
    if (step.denial) throw streamDenied(step.denial);
    return step.text;
  }

  /** The end of choice / block `index`: the text still held back. */
  async finish(index: number): Promise<string> {
    const checker = this.checkers.get(index);
    if (!checker) return '';
    const step = await checker.finish();
    if (step.denial) throw streamDenied(step.denial);
    return step.text;
  }

  /** The verdicts of every checker, onto the request's record (once the stream has ended). */
  record(): void {
    for (const checker of this.checkers.values()) this.context.verdicts.push(...checker.verdicts());
    this.checkers.clear();
  }
}
