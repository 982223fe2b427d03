import { initTracing, createLogger, createMetrics, exitOnSignals, startOpsServer } from '@gateway/telemetry';

initTracing({ service: 'cache' });

const { parseEnvironment } = await import('@gateway/config');
const { createBus } = await import('@gateway/bus');
const { createKeyValueStore } = await import('@gateway/kv');
const { startCacheService } = await import('./cache-service.ts');

/** The cache as its own process (`npm run start:cache`): needs NATS_URL, and REDIS_URL to share entries. */
const environment = parseEnvironment();
const logger = createLogger({ service: 'cache', level: environment.LOG_LEVEL });
if (!environment.NATS_URL) {
  logger.fatal('The cache runs as its own process only with NATS_URL set (npm start runs everything in one process otherwise)');
  process.exit(1);
}
const metrics = createMetrics({ service: 'cache' });
const bus = await createBus({ natsUrl: environment.NATS_URL, name: 'cache', ...(environment.NATS_NAMESPACE ? { namespace: environment.NATS_NAMESPACE } : {}), logger });
// Entries live in Redis, shared by every cache replica; without it, in this process's memory only.
const store = await createKeyValueStore(environment.REDIS_URL ? { url: environment.REDIS_URL, keyPrefix: environment.REDIS_KEY_PREFIX } : {});
if (!environment.REDIS_URL) logger.warn('REDIS_URL is not set: cache entries are kept in this process only and lost when it stops');
const cache = await startCacheService({ bus, store, logger, metrics });
const ops = await startOpsServer({
  port: environment.CACHE_PORT,
  host: environment.HOST,
  registry: metrics.registry,
  checks: { nats: () => bus.ping(), ...(environment.REDIS_URL ? { redis: () => store.ping() } : {}) },
  logger,
});
logger.info({ ops: ops.url }, 'cache ready');

exitOnSignals({
  logger,
  service: 'cache',
  steps: [
    ['cache', () => cache.stop()],
    ['ops server', () => ops.close()],
    ['bus', () => bus.close()],
    ['redis', () => store.close()],
  ],
});
