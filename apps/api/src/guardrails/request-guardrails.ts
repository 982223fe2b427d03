import { Counter } from 'prom-client';
import {
  GatewayError,
  guardrailCheckInput,
  guardrailCheckOutput,
  headerNames,
  type GuardrailInputResponse,
  type GuardrailOutputResponse,
  type GuardrailPolicy,
  type GuardrailVerdict,
  type PlaceholderCounts,
} from '@gateway/contracts';
import type { Bus } from '@gateway/bus';
import { restorePlaceholders } from '@gateway/guardrail-client';
import type { Logger, Metrics } from '@gateway/telemetry';
import { ThrottledWarning } from '../logging/throttled-warning.ts';
import type { TextSlot } from './request-texts.ts';

type HeaderValue = string | string[] | undefined;

/** The flag on the record of a request whose guardrails could not run and failed open. */
export const guardrailUnavailableFlag = 'guardrail_unavailable';

/** What the input checks left for the answer: how to restore reversible redactions, and placeholder numbering. */
export interface InputOutcome {
  /** Placeholder → original value (reversible redactions). In memory for this request only; never logged. */
  restore?: Record<string, string>;
  placeholderCounts?: PlaceholderCounts;
}

/** The policies of a request, by name: the model's, then the key's, then those the request adds. */
export function resolvePolicies(
  available: ReadonlyMap<string, GuardrailPolicy>,
  names: { model?: readonly string[] | null | undefined; key?: readonly string[] | null | undefined },
  header: HeaderValue,
  logger: { error(details: Record<string, unknown>, message: string): void },
): GuardrailPolicy[] {
  const requested = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  for (const name of requested) {
    if (!available.has(name)) {
      throw new GatewayError('invalid_request', `${headerNames.guardrails} names an unknown guardrail policy "${name}"`, { param: headerNames.guardrails });
    }
  }
  const policies: GuardrailPolicy[] = [];
  const seen = new Set<string>();
  for (const name of [...(names.model ?? []), ...(names.key ?? []), ...requested]) {
    if (seen.has(name)) continue;
    seen.add(name);
    const policy = available.get(name);
    // A model or key naming a policy that is gone (taken out of gateway.yaml while a key still names
    // it): refuse rather than run the request without checks it was meant to have.
    if (!policy) {
      logger.error({ policy: name }, 'guardrail policy named by a model or key does not exist; its requests are refused');
      throw new GatewayError('internal_error', `The guardrail policy "${name}" this request must pass does not exist; the gateway's configuration needs fixing`);
    }
    policies.push(policy);
  }
  return policies;
}

/** Whether any check of the policies runs in this phase. */
export function hasPhase(policies: readonly GuardrailPolicy[], phase: 'input' | 'output'): boolean {
  return policies.some((policy) => policy.checks.some((check) => check.phase === phase || check.phase === 'both'));
}

function denied(response: GuardrailInputResponse | GuardrailOutputResponse): GatewayError {
  const denial = response.denial;
  return new GatewayError('guardrail_denied', denial ? `Refused by guardrail: ${denial.message}` : 'Refused by guardrail', {
    param: denial ? `${denial.policy}.checks[${denial.index}].${denial.check}` : null,
  });
}

/**
 * The API's side of the guardrails: it asks the guardrail service (`guardrail.v1` over the bus) about a
 * request's texts and its answer, applies what it says (deny → `guardrail_denied`, redactions written
 * back, reversible placeholders restored in the answer), and keeps the verdicts for the usage record.
 *
 * When the service cannot be reached, each policy decides: if one of the request's policies says
 * `fail_closed` the request is refused (503 `dependency_unavailable`), otherwise it goes on unchecked,
 * flagged `guardrail_unavailable`, logged (throttled) and counted in `gateway_guardrail_failures_total`.
 */
export class RequestGuardrails {
  private readonly warning: ThrottledWarning;
  private readonly failures: Counter<string> | undefined;

  constructor(private readonly options: { bus: Bus; logger: Logger; metrics?: Metrics; timeoutMs?: number }) {
    this.warning = new ThrottledWarning(options.logger);
    if (options.metrics) {
      const name = 'gateway_guardrail_failures_total';
      this.failures =
        (options.metrics.registry.getSingleMetric(name) as Counter<string> | undefined) ??
        new Counter({ name, help: 'Guardrail checks the service could not answer, by phase and outcome (fail_open, fail_closed)', labelNames: ['phase', 'outcome'], registers: [options.metrics.registry] });
    }
  }

  get bus(): Bus {
    return this.options.bus;
  }

  /** Checks the request's texts; writes redactions into the slots; throws when a check denies. */
  async checkInput(context: { requestId: string; policies: GuardrailPolicy[]; slots: TextSlot[]; verdicts: GuardrailVerdict[]; flags: string[] }): Promise<InputOutcome> {
    const { requestId, policies, slots } = context;
    const response = await this.ask('input', context, () =>
      this.options.bus.request(
        guardrailCheckInput,
        { requestId, policies, segments: slots.map((slot) => ({ role: slot.role, text: slot.text })) },
        { context: { requestId }, ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}) },
      ),
    );
    if (!response) return {};
    context.verdicts.push(...response.verdicts);
    if (response.action === 'deny') throw denied(response);
    response.segments?.forEach((text, index) => slots[index]?.replace(text));
    return {
      ...(response.restore && Object.keys(response.restore).length > 0 ? { restore: response.restore } : {}),
      ...(response.placeholderCounts ? { placeholderCounts: response.placeholderCounts } : {}),
    };
  }

  /**
   * Checks each answer text as a whole (when a policy has output checks), writes redactions back, then
   * restores the input's reversible placeholders; throws when a check denies.
   */
  async checkOutput(context: {
    requestId: string;
    policies: GuardrailPolicy[];
    slots: TextSlot[];
    input: InputOutcome;
    verdicts: GuardrailVerdict[];
    flags: string[];
  }): Promise<void> {
    const { requestId, policies, slots, input } = context;
    if (hasPhase(policies, 'output')) {
      for (const slot of slots) {
        const response = await this.ask('output', context, () =>
          this.options.bus.request(
            guardrailCheckOutput,
            { requestId, policies, text: slot.text, complete: true, ...(input.placeholderCounts ? { placeholderCounts: input.placeholderCounts } : {}) },
            { context: { requestId }, ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}) },
          ),
        );
        if (!response) break;
        context.verdicts.push(...response.verdicts);
        if (response.action === 'deny') throw denied(response);
        if (response.text !== undefined) slot.replace(response.text);
      }
    }
    const { restore } = input;
    if (restore) for (const slot of slots) slot.replace(restorePlaceholders(slot.text, restore));
  }

  /**
   * Runs one call to the service; null when it failed and every policy fails open. Not answering and
   * failing inside count as the service failing; any other error (a request this API got wrong) is
   * thrown as is.
   */
  async ask<T>(phase: 'input' | 'output', context: { requestId: string; policies: GuardrailPolicy[]; flags: string[] }, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof GatewayError) || (error.code !== 'dependency_unavailable' && error.code !== 'internal_error')) throw error;
      const closed = context.policies.find((policy) => policy.on_error === 'fail_closed');
      this.failures?.inc({ phase, outcome: closed ? 'fail_closed' : 'fail_open' });
      this.warning.warn({ phase, request_id: context.requestId, err: error, failClosed: closed?.name ?? null }, 'guardrail service unavailable');
      if (closed) {
        throw new GatewayError('dependency_unavailable', `The guardrail service is unavailable and policy "${closed.name}" fails closed`, { source: 'bus', cause: error });
      }
      if (!context.flags.includes(guardrailUnavailableFlag)) context.flags.push(guardrailUnavailableFlag);
      return null;
    }
  }
}
