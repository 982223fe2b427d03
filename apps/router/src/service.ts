import { routerPing, routerPlan } from '@gateway/contracts';
import type { Bus, ServiceHandle } from '@gateway/bus';
import { observeRequest, type Metrics } from '@gateway/telemetry';
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
              observeRequest(options.metrics, { route: routerPlan.subject, model: modelLabel(request.model, options.catalog()), status }, (performance.now() - started) / 1000);
            }
          }
        },
      },
    ],
  });
}

/** Metric labels must stay few: configured names, `<provider>/*` for direct addressing, else `unknown`. */
function modelLabel(model: string, catalog: RoutingCatalog): string {
  if (catalog.models.has(model)) return model;
  const slash = model.indexOf('/');
  return slash > 0 && catalog.providers.has(model.slice(0, slash)) ? `${model.slice(0, slash)}/*` : 'unknown';
}
