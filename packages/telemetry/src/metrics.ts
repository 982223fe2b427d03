import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Requests handled, by route (HTTP) or endpoint (bus), provider, model and status. */
  requests: Counter<'route' | 'provider' | 'model' | 'status'>;
  /** End-to-end latency in seconds with the same labels. */
  requestDuration: Histogram<'route' | 'provider' | 'model' | 'status'>;
}

/** Latency buckets from 1 ms to 2 min: the gateway's own overhead and long LLM calls both resolve. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMetrics(settings: { service: string; prefix?: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: settings.service });
  collectDefaultMetrics({ register: registry });
  const prefix = settings.prefix ?? 'gateway_';
  const labelNames = ['route', 'provider', 'model', 'status'] as const;
  const requests = new Counter({
    name: `${prefix}requests_total`,
    help: 'Requests handled, by route or bus endpoint, provider, model and status',
    labelNames,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: `${prefix}request_duration_seconds`,
    help: 'Request latency in seconds, by route or bus endpoint, provider, model and status',
    labelNames,
    buckets: latencyBuckets,
    registers: [registry],
  });
  return { registry, requests, requestDuration };
}

/**
 * The `model` label of a request. Clients choose the model string, and every distinct label value is a
 * new time series, so only configured names are used as they are: `<provider>/*` stands for direct
 * addressing of a known provider, anything else is `unknown`.
 */
export function modelMetricLabel(
  model: string,
  catalog: { isConfiguredModel(name: string): boolean; isProvider(name: string): boolean },
): string {
  if (catalog.isConfiguredModel(model)) return model;
  const slash = model.indexOf('/');
  return slash > 0 && catalog.isProvider(model.slice(0, slash)) ? `${model.slice(0, slash)}/*` : 'unknown';
}

/** Records one handled request in both the counter and the histogram. */
export function observeRequest(
  metrics: Metrics,
  labels: { route: string; provider?: string; model?: string; status: string | number },
  seconds: number,
): void {
  const full = {
    route: labels.route,
    provider: labels.provider ?? '',
    model: labels.model ?? '',
    status: String(labels.status),
  };
  metrics.requests.inc(full);
  metrics.requestDuration.observe(full, seconds);
}
