import { Counter, Histogram } from 'prom-client';
import { guardrailCheckInput, guardrailCheckOutput, guardrailPing, type GuardrailCheckType, type GuardrailVerdict } from '@gateway/contracts';
import type { Bus, ServiceHandle } from '@gateway/bus';
import type { Logger, Metrics } from '@gateway/telemetry';
import type { InjectionModel } from './domain/injection/injection-model.ts';
import { checkInput, checkOutput, type RunOptions } from './domain/policy/run-policies.ts';

export const guardrailServiceInfo = { name: 'guardrail', version: '1.0.0', description: 'Input and output checks: PII, prompt injection, policy lists, structured output' };

const checksMetric = 'gateway_guardrail_checks_total';
const secondsMetric = 'gateway_guardrail_check_seconds';

/** `gateway_guardrail_checks_total{check, action, verdict}`: labels from closed sets (check types, actions, verdicts). */
function checksCounter(metrics: Metrics): Counter<'check' | 'action' | 'verdict'> {
  const existing = metrics.registry.getSingleMetric(checksMetric);
  if (existing) return existing as Counter<'check' | 'action' | 'verdict'>;
  return new Counter({
    name: checksMetric,
    help: 'Guardrail checks run, by check type, configured action and verdict (pass, flag, redact, deny)',
    labelNames: ['check', 'action', 'verdict'],
    registers: [metrics.registry],
  });
}

/** `gateway_guardrail_check_seconds{check}`: time of one check over one request's texts. */
function secondsHistogram(metrics: Metrics): Histogram<'check'> {
  const existing = metrics.registry.getSingleMetric(secondsMetric);
  if (existing) return existing as Histogram<'check'>;
  return new Histogram({
    name: secondsMetric,
    help: 'Time of one guardrail check over the texts of a request, by check type',
    labelNames: ['check'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [metrics.registry],
  });
}

/**
 * Binds the guardrail's contract endpoints to the checks. The service keeps nothing between requests:
 * each request carries its policies, and a reversible mapping goes back to the caller only. Logs carry
 * verdicts (types and counts), never a text or a value found in it.
 */
export function serveGuardrail(options: { bus: Bus; injectionModel: InjectionModel; logger?: Logger; metrics?: Metrics }): Promise<ServiceHandle> {
  const checks = options.metrics ? checksCounter(options.metrics) : undefined;
  const seconds = options.metrics ? secondsHistogram(options.metrics) : undefined;
  const runOptions: RunOptions = {
    injectionModel: options.injectionModel,
    ...(seconds ? { observe: (check: GuardrailCheckType, duration: number) => seconds.observe({ check }, duration) } : {}),
  };
  const record = (requestId: string, phase: 'input' | 'output', verdicts: readonly GuardrailVerdict[]) => {
    for (const verdict of verdicts) checks?.inc({ check: verdict.check, action: verdict.action, verdict: verdict.verdict });
    const fired = verdicts.filter((verdict) => verdict.verdict !== 'pass');
    if (fired.length > 0) options.logger?.debug({ request_id: requestId, phase, verdicts: fired }, 'guardrail verdicts');
  };

  return options.bus.serve({
    ...guardrailServiceInfo,
    endpoints: [
      { endpoint: guardrailPing, handler: () => ({ ok: true as const }) },
      {
        endpoint: guardrailCheckInput,
        handler: (request) => {
          const answer = checkInput(request, runOptions);
          record(request.requestId, 'input', answer.verdicts);
          return answer;
        },
      },
      {
        endpoint: guardrailCheckOutput,
        handler: (request) => {
          const answer = checkOutput(request, runOptions);
          record(request.requestId, 'output', answer.verdicts);
          return answer;
        },
      },
    ],
  });
}
