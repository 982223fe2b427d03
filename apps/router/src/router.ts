import type { Bus } from '@gateway/bus';
import { routingStrategySchema } from '@gateway/contracts';
import { watchConfig } from '@gateway/config';
import { listModels, listProviders, type Database } from '@gateway/db';
import type { Logger, Metrics } from '@gateway/telemetry';
import type { RoutingCatalog } from './domain/catalog.ts';
import { serveRouter } from './service.ts';

/** Reads the routing catalog (model names, targets, strategies, provider names) from Postgres. */
export async function loadRoutingCatalog(database: Database): Promise<RoutingCatalog> {
  const [models, providers] = await Promise.all([listModels(database.db), listProviders(database.db)]);
  return {
    providers: new Set(providers.map((provider) => provider.name)),
    models: new Map(
      models.map((model) => [
        model.name,
        { strategy: routingStrategySchema.catch('loadbalance').parse(model.strategy), targets: model.targets },
      ]),
    ),
  };
}

/** Starts the router service on the bus; used by the standalone process and the embedded launcher. */
export async function startRouter(options: { bus: Bus; database: Database; logger: Logger; metrics?: Metrics }) {
  const catalog = await watchConfig({
    bus: options.bus,
    load: () => loadRoutingCatalog(options.database),
    entities: ['model', 'provider'],
    onReload: (value) => options.logger.info({ models: value.models.size, providers: value.providers.size }, 'routing catalog reloaded'),
    onError: (error) => options.logger.error({ err: error }, 'routing catalog reload failed; keeping the previous one'),
  });
  const service = await serveRouter({ bus: options.bus, catalog: catalog.current, ...(options.metrics ? { metrics: options.metrics } : {}) });
  return {
    async stop() {
      catalog.stop();
      await service.stop();
    },
  };
}
