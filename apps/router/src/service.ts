import { routerPing, routerPlan } from '@gateway/contracts';
import type { Bus, ServiceHandle } from '@gateway/bus';
import { modelMetricLabel, observeRequest, type Metrics } from '@gateway/telemetry';
import { planRequest } from './domain/plan.ts';
import type { RoutingCatalog } from './domain/catalog.ts';

export const routerServiceInfo = { name: 'router', version: '1.0.0', description: 'Model selection: turns a model name into an ordered plan of targets' };

/** Binds the router's contract endpoints to their handlers. */
export function serveRouter(options: { bus: Bus; catalog: () => RoutingCatalog; metrics?: Metrics }): Promise<ServiceHandle> {
  return options.bus.serve({
    ...routerServiceInfo,
    endpoints: [
      { endpoint: routerPing, handler: () => ({ ok: true as const }) },
      {
        endpoint: routerPlan,
        handler: (request) => {
          const started = performance.now();
          let status = 'ok';
          try {
            return planRequest(request, options.catalog());
          } catch (error) {
            status = (error as { code?: string }).code ?? 'error';
            throw error;
          } finally {
            if (options.metrics) {
              observeRequest(options.metrics, { route: routerPlan.subject, model: modelMetricLabel(request.model, labelCatalog(options.catalog())), status }, (performance.now() - started) / 1000);
            }
          }
        },
      },
    ],
  });
}

function labelCatalog(catalog: RoutingCatalog) {
  return { isConfiguredModel: (name: string) => catalog.models.has(name), isProvider: (name: string) => catalog.providers.has(name) };
}
