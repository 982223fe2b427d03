import { join, resolve } from 'node:path';
import { createBus, type Bus } from '@gateway/bus';
import { isEmbedded, loadGatewayConfig, type Environment } from '@gateway/config';
import { createDatabase, type Database, type SecretBox } from '@gateway/db';
import { createDeploymentState } from '@gateway/deployment-state';
import { createKeyValueStore } from '@gateway/kv';
import { createLogger, createMetrics, type Logger } from '@gateway/telemetry';
import { apiReadinessChecks, buildApi, prepareDatabase, resolveMasterKey, resolveSecretBox } from '@gateway/app-api';
import { startRouter } from '@gateway/app-router';
import { startLedger } from '@gateway/app-ledger';
import { startCacheService } from '@gateway/app-cache';
import { startGuardrailService } from '@gateway/app-guardrail';
import { describeUrl } from './describe-url.ts';

export interface RunningGateway {
  url: string;
  /** The admin dashboard, when this process serves it: its URL, and when it serves pages. */
  dashboard?: { url: string; ready: Promise<void> };
  /** Where config and secrets came from and what each dependency is, for the start-up banner. */
  facts: Array<[string, string]>;
  /**
   * Graceful stop, in order: HTTP (waiting for usage publishes), ledger (on the in-process bus it
   * first writes every usage record still in the stream), router, bus, store, database. A step that
   * fails is logged and the others still run; the promise then rejects. Calling it again returns the
   * same promise.
   */
  close(): Promise<void>;
}

/**
 * The whole gateway in one process: API, router, ledger, cache and guardrail share one bus (in-process unless NATS_URL
 * is set) and one database (PGlite under the data directory unless DATABASE_URL is set).
 */
export async function startGatewayInProcess(environment: Environment, logger: Logger = createLogger({ service: 'gateway', level: environment.LOG_LEVEL })): Promise<RunningGateway> {
  const metrics = createMetrics({ service: 'gateway' });
  const { config, source } = await loadGatewayConfig(environment.GATEWAY_CONFIG ? { path: environment.GATEWAY_CONFIG } : {});
  const embedded = isEmbedded(environment);
  const { box, origin: encryptionOrigin } = await resolveSecretBox(environment);
  const masterKey = await resolveMasterKey(environment, !environment.DATABASE_URL || embedded);
  const bus = await createBus({
    name: 'gateway',
    logger,
    ...(environment.NATS_URL ? { natsUrl: environment.NATS_URL } : {}),
    ...(environment.NATS_NAMESPACE ? { namespace: environment.NATS_NAMESPACE } : {}),
  });
  const pgliteDir = join(resolve(environment.GATEWAY_DATA_DIR), 'pglite');
  const database = await createDatabase(
    environment.DATABASE_URL ? { url: environment.DATABASE_URL, poolSize: environment.DATABASE_POOL_SIZE } : { dataDir: pgliteDir },
  );
  const store = await createKeyValueStore(environment.REDIS_URL ? { url: environment.REDIS_URL, keyPrefix: environment.REDIS_KEY_PREFIX } : {});
  const { migrations, reconciled } = await prepareDatabase({ database, secretBox: box, config, bus });
  // The router reads the deployment state the API writes: one store (Redis, or the memory store) for both.
  const router = await startRouter({ bus, database, logger: logger.child({ component: 'router' }), metrics, deploymentState: createDeploymentState(store) });
  const ledger = await startLedger({
    bus,
    database,
    logger: logger.child({ component: 'ledger' }),
    metrics,
    retention: { bodyDays: environment.GATEWAY_BODY_RETENTION_DAYS, usageDays: environment.GATEWAY_USAGE_RETENTION_DAYS },
  });
  // Cache entries share the store with limits and deployment state (Redis, or memory embedded).
  const cache = await startCacheService({ bus, store, logger: logger.child({ component: 'cache' }), metrics });
  const guardrail = await startGuardrailService({ bus, logger: logger.child({ component: 'guardrail' }), metrics });
  const api = await buildApi({
    environment,
    database,
    bus,
    secretBox: box,
    logger,
    metrics,
    masterKey: masterKey.key,
    configSource: source,
    readinessChecks: apiReadinessChecks({ database, bus, store }),
    store,
  });
  const url = await api.app.listen({ port: environment.PORT, host: environment.HOST });
  const publicUrl = url.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  // The dashboard shares this process's database and bus (PGlite and the in-process bus are reachable
  // from nowhere else). In the background: it builds itself the first time, and the API never waits.
  const admin =
    environment.ADMIN_ENABLED === 'true'
      ? await (await loadAdmin()).startAdminInProcess({
          environment,
          database,
          bus,
          secretBox: box,
          configSource: source,
          logger: logger.child({ component: 'admin' }),
          embedded,
          background: true,
        })
      : undefined;
  admin?.ready.then(
    () => logger.info({ url: admin.url }, 'admin dashboard ready'),
    (error: unknown) => logger.error({ err: error }, 'admin dashboard failed to start; the gateway goes on without it'),
  );
  let closing: Promise<void> | undefined;

  const dependencies = {
    postgres: environment.DATABASE_URL ? describeUrl(environment.DATABASE_URL) : `PGlite (${pgliteDir})`,
    redis: environment.REDIS_URL ? describeUrl(environment.REDIS_URL) : 'in-memory store',
    nats: environment.NATS_URL ? describeUrl(environment.NATS_URL) : 'in-process bus',
  };
  logger.info(
    {
      url: publicUrl,
      mode: embedded ? 'embedded' : 'single process',
      config: source,
      providers: reconciled.providers.upserted,
      models: reconciled.models.upserted,
      migrations,
      dependencies,
      encryptionKey: encryptionOrigin,
      masterKey: masterKey.origin,
    },
    'gateway ready',
  );
  return {
    url: publicUrl,
    ...(admin ? { dashboard: { url: admin.url.replace('0.0.0.0', '127.0.0.1'), ready: admin.ready } } : {}),
    facts: [
      ['config', `${source} (${reconciled.providers.upserted.length} providers, ${reconciled.models.upserted.length} models)`],
      ['postgres', dependencies.postgres],
      ['redis', dependencies.redis],
      ['nats', dependencies.nats],
      ['master key', masterKey.origin],
      ...(admin ? [['dashboard', `${admin.url.replace('0.0.0.0', '127.0.0.1')}   (${admin.users}; built on first start)`] as [string, string]] : []),
    ],
    close() {
      closing ??= closeInOrder(logger, [
        ['admin', async () => admin?.close()],
        // Publishers first: no new requests, and the usage records of finished ones are in the stream.
        ['api', () => api.close()],
        // Then the consumer: on the in-process bus, stopping it writes what is left in the usage
        // stream, which would otherwise die with the process (see ConsumerHandle.stop).
        ['ledger', () => ledger.stop()],
        ['router', () => router.stop()],
        ['cache', () => cache.stop()],
        ['guardrail', () => guardrail.stop()],
        ['bus', () => bus.close()],
        ['store', () => store.close()],
        ['database', () => database.close()],
      ]);
      return closing;
    },
  };
}

/** What the launcher uses of `@gateway/app-admin` (see apps/admin/src/in-process.ts). */
interface AdminModule {
  startAdminInProcess(options: {
    environment: Environment;
    database: Database;
    bus: Bus;
    secretBox: SecretBox;
    configSource: string;
    logger: Logger;
    embedded: boolean;
    background: boolean;
  }): Promise<{ url: string; ready: Promise<void>; users: string; close(): Promise<void> }>;
}

/**
 * The dashboard's module, loaded only when it is served: it brings Next.js and React, which the rest of
 * the gateway does without. The specifier is not a literal so that the launcher's type check does not
 * compile the dashboard's sources under its own settings (the dashboard has its own tsconfig).
 */
async function loadAdmin(): Promise<AdminModule> {
  const specifier = '@gateway/app-admin';
  return (await import(specifier)) as AdminModule;
}

/**
 * Runs every step in order, even after one failed (a failed step is logged and the next one runs),
 * so one broken dependency never keeps the rest open; rejects at the end if any step failed.
 */
export async function closeInOrder(logger: Logger, steps: ReadonlyArray<readonly [name: string, close: () => Promise<unknown>]>): Promise<void> {
  const failures: Array<{ name: string; error: unknown }> = [];
  for (const [name, close] of steps) {
    try {
      await close();
    } catch (error) {
      failures.push({ name, error });
      logger.error({ err: error, step: name }, `closing the ${name} failed; closing the rest`);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((failure) => failure.error),
      `closing the gateway failed at: ${failures.map((failure) => failure.name).join(', ')}`,
    );
  }
}
