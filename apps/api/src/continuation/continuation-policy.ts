import type { FastifyRequest } from 'fastify';
import { headerNames, type GatewayError, type Plan, type PlanTarget } from '@gateway/contracts';
import type { ExecutionTarget, Usage } from '@gateway/providers';

/** `x-gateway-continuation: off` turns continuation failover off for one request (it is on by default). */
export const continuationHeader = headerNames.continuation;

/** The flag a continued stream's usage record carries. */
export const continuedFlag = 'continued';

export function continuationWanted(request: FastifyRequest): boolean {
  const sent = request.headers[continuationHeader];
  const value = (Array.isArray(sent) ? sent[0] : sent)?.trim().toLowerCase();
  return value !== 'off' && value !== 'false';
}

/**
 * Whether a target can finish an answer from an assistant prefill: its provider continues the final
 * assistant turn rather than answering anew (OpenAI-protocol models restart or repeat the text).
 * Those are Anthropic (`anthropic`) and Anthropic models on Bedrock (`bedrock`, upstream model id
 * containing `anthropic.`, e.g. `anthropic.claude-…` or `us.anthropic.claude-…`).
 */
export function continuesPrefill(providerType: string | undefined, upstreamModel: string): boolean {
  return providerType === 'anthropic' || (providerType === 'bedrock' && upstreamModel.includes('anthropic.'));
}

/** `continuesPrefill` for targets, with provider types by provider name (the API's provider catalog). */
export function prefillTargets(providerTypes: ReadonlyMap<string, string>): (target: PlanTarget) => boolean {
  return (target) => continuesPrefill(providerTypes.get(target.provider), target.model);
}

/**
 * The plan for a follow-up: the targets after the one that served (as the router ordered them) that
 * continue a prefill (`continues`), or undefined when none is left. A target not in `targets` (served
 * from a plan's dedicated fallbacks) has no "next" one. The plan's dedicated fallbacks keep only such
 * targets too.
 */
export function remainingPlan(plan: Plan, served: ExecutionTarget, continues: (target: PlanTarget) => boolean): Plan | undefined {
  const index = plan.targets.findIndex((target) => target.provider === served.provider && target.model === served.model);
  if (index < 0) return undefined;
  const [first, ...rest] = plan.targets.slice(index + 1).filter(continues);
  if (!first) return undefined;
  const { fallbacks, ...kept } = plan;
  const followUp: Plan = { ...kept, targets: [first, ...rest] };
  const contextWindow = fallbacks?.contextWindow?.filter(continues);
  const contentPolicy = fallbacks?.contentPolicy?.filter(continues);
  if (contextWindow?.length || contentPolicy?.length) {
    followUp.fallbacks = { ...(contextWindow?.length ? { contextWindow } : {}), ...(contentPolicy?.length ? { contentPolicy } : {}) };
  }
  return followUp;
}

/**
 * A provider's stream broke (connection lost, idle timeout, an upstream error event such as
 * overloaded): another target may finish the answer. The gateway's own failures, a refusal of the
 * request and a client that left are not continued.
 */
export function continuableError(error: GatewayError): boolean {
  if (!error.source.startsWith('provider:')) return false;
  return error.code === 'provider_error' || error.code === 'provider_timeout' || error.code === 'provider_unavailable' || error.code === 'rate_limited';
}

/** A rough token count for text whose usage the broken stream never reported: 4 characters a token. */
export function estimateTokens(characters: number): number {
  return Math.ceil(Math.max(0, characters) / 4);
}

/**
 * The assistant prefill for the follow-up. Anthropic refuses a final assistant turn that ends in
 * whitespace, so trailing whitespace is cut; `trimmed` says so, and the follow-up's first text then
 * has its leading whitespace dropped (the client already got the whitespace).
 */
export function prefillOf(text: string): { prefill: string; trimmed: boolean } {
  const prefill = text.trimEnd();
  return { prefill, trimmed: prefill.length < text.length };
}

/** Drops leading whitespace from follow-up text until some non-whitespace went out. */
export class LeadingWhitespace {
  constructor(private dropping: boolean) {}

  cut(text: string): string {
    if (!this.dropping) return text;
    const kept = text.trimStart();
    if (kept.length > 0) this.dropping = false;
    return kept;
  }
}

/** A max-tokens cap less what the broken stream already produced (at least 1). */
export function remainingCap(cap: number, producedCharacters: number): number {
  return Math.max(1, cap - estimateTokens(producedCharacters));
}

/** Adds usage reports. */
export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
  const cached = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  const reasoning = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  if (cached > 0) sum.cachedInputTokens = cached;
  if (reasoning > 0) sum.reasoningTokens = reasoning;
  return sum;
}
