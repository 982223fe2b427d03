import type { Bus } from '@gateway/bus';
import type { Logger, Metrics } from '@gateway/telemetry';
import { shippedInjectionModel, type InjectionModel } from './domain/injection/injection-model.ts';
import { detectPii } from './domain/pii/detect-pii.ts';
import { serveGuardrail } from './service.ts';

/**
 * Starts the guardrail service on the bus (NATS, or the in-process bus embedded). Loads the shipped
 * injection model and runs every detector once, so the first request does not pay for warming the
 * NLP tagger and the phone metadata.
 */
export async function startGuardrailService(options: { bus: Bus; logger: Logger; metrics?: Metrics; injectionModel?: InjectionModel }) {
  const injectionModel = options.injectionModel ?? shippedInjectionModel();
  injectionModel.score('Warm up the model.');
  detectPii('Warm up: Jane Doe of Acme Corp in Paris, jane@example.com, +1 201-948-1927.');
  const service = await serveGuardrail({ bus: options.bus, injectionModel, logger: options.logger, ...(options.metrics ? { metrics: options.metrics } : {}) });
  return {
    async stop() {
      await service.stop();
    },
  };
}
