/**
 * The dashboard as its own process (`npm run start:admin`, what its container runs): needs
 * DATABASE_URL (PGlite belongs to the gateway process; in embedded mode `npm start` serves the
 * dashboard itself) and GATEWAY_ENCRYPTION_KEY; NATS_URL carries config-changed events to the services.
 */
import { createLogger, exitOnSignals, initTracing } from '@gateway/telemetry';

initTracing({ service: 'admin' });

const { parseEnvironment } = await import('@gateway/config');
const { createBus } = await import('@gateway/bus');
const { createDatabase, createSecretBox, migrateToLatest } = await import('@gateway/db');
const { startAdminInProcess } = await import('./in-process.ts');

const environment = parseEnvironment();
const logger = createLogger({ service: 'admin', level: environment.LOG_LEVEL });
if (!environment.DATABASE_URL || !environment.GATEWAY_ENCRYPTION_KEY) {
  logger.fatal('The dashboard runs as its own process only with DATABASE_URL and GATEWAY_ENCRYPTION_KEY set (npm start serves it inside the gateway otherwise)');
  process.exit(1);
}
if (!environment.NATS_URL) logger.warn('NATS_URL is unset: changes made in the dashboard reach other processes only when their caches expire');

const database = await createDatabase({
  url: environment.DATABASE_URL,
  poolSize: environment.DATABASE_POOL_SIZE,
  onPoolError: (error) => logger.warn({ err: error }, 'idle Postgres connection failed'),
});
const { executed } = await migrateToLatest(database.db);
if (executed.length > 0) logger.info({ migrations: executed }, 'database migrated');
const bus = await createBus({
  name: 'admin',
  logger,
  ...(environment.NATS_URL ? { natsUrl: environment.NATS_URL } : {}),
  ...(environment.NATS_NAMESPACE ? { namespace: environment.NATS_NAMESPACE } : {}),
});
const admin = await startAdminInProcess({
  environment,
  database,
  bus,
  secretBox: createSecretBox(environment.GATEWAY_ENCRYPTION_KEY),
  configSource: environment.GATEWAY_CONFIG ?? './gateway.yaml',
  logger,
  embedded: false,
});
process.stdout.write(`\nadmin dashboard  ${admin.url}   (${admin.users})\n\n`);
exitOnSignals({
  logger,
  service: 'admin',
  steps: [
    ['http', () => admin.close()],
    ['bus', () => bus.close()],
    ['database', () => database.close()],
  ],
});
