import type { FastifyRequest } from 'fastify';
import { headerNames, type GuardrailPolicy, type Plan } from '@gateway/contracts';
import type { GatewayCalls } from '../routes/gateway-calls.ts';
import { hasPhase, resolvePolicies, type InputOutcome } from './request-guardrails.ts';
import { chatRequestTexts, chatResponseTexts, messagesRequestTexts, messagesResponseTexts } from './request-texts.ts';

export type GuardedSurface = 'openai' | 'anthropic';

/** A request that passed its input checks: what goes upstream, and what the answer needs. */
export interface GuardedRequest<Body> {
  /** The body to send upstream: the client's, or a copy with the redactions written in. */
  upstream: Body;
  policies: GuardrailPolicy[];
  input: InputOutcome;
  /** The answer needs output checks, or reversible placeholders restored. */
  outputNeeded: boolean;
}

/**
 * Runs the input checks of a chat request once its model is planned: the model's policies, the key's,
 * and those `x-gateway-guardrails` adds (a request can add policies, never drop one). Undefined when no
 * policy applies. Throws `guardrail_denied` when a check denies.
 */
export async function guardInput<Body extends object>(
  calls: GatewayCalls,
  request: FastifyRequest,
  surface: GuardedSurface,
  body: Body,
  chosen: Plan,
): Promise<GuardedRequest<Body> | undefined> {
  const { guardrails } = calls.options;
  const state = request.gateway;
  if (!guardrails || !state.key) return undefined;
  const catalog = calls.options.catalog();
  const policies = resolvePolicies(
    catalog.guardrailPolicies,
    { model: catalog.modelGuardrails.get(chosen.model), key: state.key.guardrails },
    request.headers[headerNames.guardrails],
    request.log,
  );
  if (policies.length === 0) return undefined;
  let upstream = body;
  let input: InputOutcome = {};
  if (hasPhase(policies, 'input')) {
    upstream = structuredClone(body);
    const slots = surface === 'openai' ? chatRequestTexts(upstream as never) : messagesRequestTexts(upstream as never);
    input = await guardrails.checkInput({ requestId: request.id, policies, slots, verdicts: state.guardrails, flags: state.flags });
  }
  return { upstream, policies, input, outputNeeded: hasPhase(policies, 'output') || input.restore !== undefined };
}

/** Runs the output checks on a whole (non-streaming) answer and restores reversible placeholders in it, in place. */
export async function guardJsonOutput(
  calls: GatewayCalls,
  request: FastifyRequest,
  surface: GuardedSurface,
  guarded: GuardedRequest<unknown> | undefined,
  response: unknown,
): Promise<void> {
  const { guardrails } = calls.options;
  if (!guardrails || !guarded?.outputNeeded) return;
  const state = request.gateway;
  const slots = surface === 'openai' ? chatResponseTexts(response as never) : messagesResponseTexts(response as never);
  await guardrails.checkOutput({ requestId: request.id, policies: guarded.policies, slots, input: guarded.input, verdicts: state.guardrails, flags: state.flags });
}

/** The policy names, for the cache key: an answer checked under some policies never serves a request under others. */
export function policyNames(guarded: GuardedRequest<unknown> | undefined): string[] {
  return guarded?.policies.map((policy) => policy.name) ?? [];
}
