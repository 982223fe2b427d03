import { initTracing, createLogger, createMetrics, exitOnSignals, startOpsServer } from '@gateway/telemetry';

initTracing({ service: 'guardrail' });

const { parseEnvironment } = await import('@gateway/config');
const { createBus } = await import('@gateway/bus');
const { parseGuardrailEnvironment } = await import('./config.ts');
const { startGuardrailService } = await import('./guardrail-service.ts');

/** The guardrail as its own process (`npm run start:guardrail`): needs NATS_URL; it keeps no state. */
const environment = parseEnvironment();
const own = parseGuardrailEnvironment();
const logger = createLogger({ service: 'guardrail', level: environment.LOG_LEVEL });
if (!environment.NATS_URL) {
  logger.fatal('The guardrail runs as its own process only with NATS_URL set (npm start runs everything in one process otherwise)');
  process.exit(1);
}
const metrics = createMetrics({ service: 'guardrail' });
const bus = await createBus({ natsUrl: environment.NATS_URL, name: 'guardrail', ...(environment.NATS_NAMESPACE ? { namespace: environment.NATS_NAMESPACE } : {}), logger });
const guardrail = await startGuardrailService({ bus, logger, metrics });
const ops = await startOpsServer({
  port: own.GUARDRAIL_PORT,
  host: environment.HOST,
  registry: metrics.registry,
  checks: { nats: () => bus.ping() },
  logger,
});
logger.info({ ops: ops.url }, 'guardrail ready');

exitOnSignals({
  logger,
  service: 'guardrail',
  steps: [
    ['guardrail', () => guardrail.stop()],
    ['ops server', () => ops.close()],
    ['bus', () => bus.close()],
  ],
});
