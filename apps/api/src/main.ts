import { initTracing, createLogger, createMetrics, exitOnSignals } from '@gateway/telemetry';

initTracing({ service: 'api' });

const { parseEnvironment, loadGatewayConfig } = await import('@gateway/config');
const { createBus } = await import('@gateway/bus');
const { createDatabase } = await import('@gateway/db');
const { createKeyValueStore } = await import('@gateway/kv');
const { buildApi } = await import('./app.ts');
const { apiReadinessChecks, prepareDatabase, resolveMasterKey, resolveSecretBox } = await import('./bootstrap.ts');

/** The API as its own process (`npm run start:api`): needs NATS_URL and DATABASE_URL. */
const environment = parseEnvironment();
const logger = createLogger({ service: 'api', level: environment.LOG_LEVEL });
if (!environment.NATS_URL || !environment.DATABASE_URL) {
  logger.fatal('The API runs as its own process only with NATS_URL and DATABASE_URL set (npm start runs everything in one process otherwise)');
  process.exit(1);
}
try {
  const metrics = createMetrics({ service: 'api' });
  const { config, source } = await loadGatewayConfig(environment.GATEWAY_CONFIG ? { path: environment.GATEWAY_CONFIG } : {});
  const { box } = await resolveSecretBox(environment);
  const masterKey = await resolveMasterKey(environment, false);
  const bus = await createBus({ natsUrl: environment.NATS_URL, name: 'api', ...(environment.NATS_NAMESPACE ? { namespace: environment.NATS_NAMESPACE } : {}), logger });
  const database = await createDatabase({ url: environment.DATABASE_URL, poolSize: environment.DATABASE_POOL_SIZE });
  // Redis holds what replicas share: key limits and budgets, deployment health, idempotency records.
  const store = environment.REDIS_URL ? await createKeyValueStore({ url: environment.REDIS_URL, keyPrefix: environment.REDIS_KEY_PREFIX }) : undefined;
  await prepareDatabase({ database, secretBox: box, config, bus });
  const api = await buildApi({
    environment,
    database,
    bus,
    secretBox: box,
    logger,
    metrics,
    masterKey: masterKey.key,
    configSource: source,
    readinessChecks: apiReadinessChecks({ database, bus, ...(store ? { store } : {}) }),
    ...(store ? { store } : {}),
  });
  const url = await api.app.listen({ port: environment.PORT, host: environment.HOST });
  logger.info({ url, config: source, masterKey: masterKey.origin }, 'api ready');

  exitOnSignals({
    logger,
    service: 'api',
    steps: [
      ['api', () => api.close()],
      ['bus', () => bus.close()],
      ['database', () => database.close()],
      ['redis', async () => store?.close()],
    ],
  });
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'api failed to start');
  process.exit(1);
}
