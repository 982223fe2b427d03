import { initTracing, createLogger, createMetrics, exitOnSignals, startOpsServer } from '@gateway/telemetry';

initTracing({ service: 'router' });

const { parseEnvironment } = await import('@gateway/config');
const { createBus } = await import('@gateway/bus');
const { createDatabase, migrateToLatest } = await import('@gateway/db');
const { createKeyValueStore } = await import('@gateway/kv');
const { createDeploymentState } = await import('@gateway/deployment-state');
const { startRouter } = await import('./router.ts');

const environment = parseEnvironment();
const logger = createLogger({ service: 'router', level: environment.LOG_LEVEL });
if (!environment.NATS_URL || !environment.DATABASE_URL) {
  logger.fatal('The router runs as its own process only with NATS_URL and DATABASE_URL set (npm start runs everything in one process otherwise)');
  process.exit(1);
}
const metrics = createMetrics({ service: 'router' });
const bus = await createBus({ natsUrl: environment.NATS_URL, name: 'router', ...(environment.NATS_NAMESPACE ? { namespace: environment.NATS_NAMESPACE } : {}), logger });
const database = await createDatabase({ url: environment.DATABASE_URL, poolSize: environment.DATABASE_POOL_SIZE });
// Every service migrates at start (Kysely's migrator locks), so start order does not matter.
await migrateToLatest(database.db);
// Health, load and latency of deployments are written by the API replicas into Redis; without it the
// router plans as if every deployment were idle and healthy.
const store = environment.REDIS_URL ? await createKeyValueStore({ url: environment.REDIS_URL, keyPrefix: environment.REDIS_KEY_PREFIX }) : undefined;
if (!store) logger.warn('REDIS_URL is not set: routing ignores deployment health, load and latency');
const router = await startRouter({ bus, database, logger, metrics, ...(store ? { deploymentState: createDeploymentState(store) } : {}) });
const ops = await startOpsServer({
  port: environment.ROUTER_PORT,
  host: environment.HOST,
  registry: metrics.registry,
  checks: { nats: () => bus.ping(), postgres: () => database.ping(), ...(store ? { redis: () => store.ping() } : {}) },
  logger,
});
logger.info({ ops: ops.url }, 'router ready');

exitOnSignals({
  logger,
  service: 'router',
  steps: [
    ['router', () => router.stop()],
    ['ops server', () => ops.close()],
    ['bus', () => bus.close()],
    ['redis', async () => store?.close()],
    ['database', () => database.close()],
  ],
});
