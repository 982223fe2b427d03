import type { Bus } from '@gateway/bus';
import { inlineRoutingConfigSchema, watchConfig } from '@gateway/config';
import { listModels, listProviders, type Database } from '@gateway/db';
import type { DeploymentState } from '@gateway/deployment-state';
import { priceFor, providerTypes, type ProviderType } from '@gateway/providers';
import type { Logger, Metrics } from '@gateway/telemetry';
import type { ModelRouting, RoutingCatalog } from './domain/catalog.ts';
import { serveRouter } from './service.ts';

/**
 * Reads the routing catalog (models with their routing, provider names and types) from Postgres. Each
 * model is checked again with the schema gateway.yaml uses; one that does not pass (written by an
 * older version, or by hand) is left out and reported, and the others still load.
 */
export async function loadRoutingCatalog(database: Database, logger?: Logger): Promise<RoutingCatalog> {
  const [models, providers] = await Promise.all([listModels(database.db), listProviders(database.db)]);
  const types = new Map<string, ProviderType>();
  for (const provider of providers) {
    if ((providerTypes as readonly string[]).includes(provider.type)) types.set(provider.name, provider.type as ProviderType);
  }
  const routed = new Map<string, ModelRouting>();
  for (const model of models) {
    const parsed = inlineRoutingConfigSchema.safeParse({ ...model.routing, strategy: model.strategy, targets: model.targets });
    if (parsed.success) routed.set(model.name, parsed.data);
    else logger?.error({ model: model.name, problem: parsed.error.issues[0] }, 'model routing does not validate; the model is left out');
  }
  return {
    providers: new Set(providers.map((provider) => provider.name)),
    models: routed,
    priceOf: (provider, model) => {
      const type = types.get(provider);
      return type ? priceFor(type, model) : undefined;
    },
  };
}

/**
 * Starts the router service on the bus; used by the standalone process and the embedded launcher.
 * `deploymentState` is the shared live state of deployments (in flight, latency, usage, ejection); without
 * it every deployment counts as idle, unmeasured and healthy.
 */
export async function startRouter(options: { bus: Bus; database: Database; logger: Logger; metrics?: Metrics; deploymentState?: DeploymentState }) {
  const catalog = await watchConfig({
    bus: options.bus,
    load: () => loadRoutingCatalog(options.database, options.logger),
    entities: ['model', 'provider'],
    onReload: (value) => options.logger.info({ models: value.models.size, providers: value.providers.size }, 'routing catalog reloaded'),
    onError: (error) => options.logger.error({ err: error }, 'routing catalog reload failed; keeping the previous one'),
  });
  const service = await serveRouter({
    bus: options.bus,
    catalog: catalog.current,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.deploymentState ? { deploymentState: options.deploymentState } : {}),
  });
  return {
    async stop() {
      catalog.stop();
      await service.stop();
    },
  };
}
