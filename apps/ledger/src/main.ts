/**
 * The ledger as its own process (`npm run start:ledger`): JetStream in, Postgres out. Needs NATS_URL
 * and DATABASE_URL; without them `npm start` runs the ledger inside the all-in-one gateway instead.
 */
import { createLogger, createMetrics, exitOnSignals, initTracing, startOpsServer } from '@gateway/telemetry';

// Tracing first, so the libraries imported below are instrumented.
initTracing({ service: 'ledger' });

const { parseEnvironment } = await import('@gateway/config');
const { createBus } = await import('@gateway/bus');
const { createDatabase, migrateToLatest } = await import('@gateway/db');
const { startLedger } = await import('./ledger.ts');

const environment = parseEnvironment();
const logger = createLogger({ service: 'ledger', level: environment.LOG_LEVEL });
if (!environment.NATS_URL || !environment.DATABASE_URL) {
  logger.fatal('The ledger runs as its own process only with NATS_URL and DATABASE_URL set (npm start runs everything in one process otherwise)');
  process.exit(1);
}

const metrics = createMetrics({ service: 'ledger' });
const database = await createDatabase({
  url: environment.DATABASE_URL,
  poolSize: environment.DATABASE_POOL_SIZE,
  onPoolError: (error) => logger.warn({ err: error }, 'idle Postgres connection failed'),
});
const { executed } = await migrateToLatest(database.db);
if (executed.length > 0) logger.info({ migrations: executed }, 'database migrated');
const bus = await createBus({
  natsUrl: environment.NATS_URL,
  name: 'ledger',
  ...(environment.NATS_NAMESPACE ? { namespace: environment.NATS_NAMESPACE } : {}),
  streamReplicas: environment.NATS_STREAM_REPLICAS,
  logger,
});
const ledger = await startLedger({
  bus,
  database,
  logger,
  metrics,
  retention: { bodyDays: environment.GATEWAY_BODY_RETENTION_DAYS, usageDays: environment.GATEWAY_USAGE_RETENTION_DAYS },
});
const ops = await startOpsServer({
  port: environment.LEDGER_PORT,
  host: environment.HOST,
  registry: metrics.registry,
  checks: { nats: () => bus.ping(), postgres: () => database.ping() },
  logger,
});
logger.info({ ops: ops.url }, 'ledger ready');

// The batch in progress finishes (or is handed back) before the connections close.
exitOnSignals({
  logger,
  service: 'ledger',
  steps: [
    ['ledger', () => ledger.stop()],
    ['ops server', () => ops.close()],
    ['bus', () => bus.close()],
    ['database', () => database.close()],
  ],
});
