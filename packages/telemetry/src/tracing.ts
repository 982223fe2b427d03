import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

let provider: NodeTracerProvider | undefined;

/**
 * Registers the OpenTelemetry tracer provider and the W3C propagator. Spans are always created (so
 * every log line of a request carries its trace id, and an incoming `traceparent` is continued); they
 * are exported over OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set. Call first in main.ts.
 *
 * No context manager is registered: on Node 20 AsyncLocalStorage runs on promise hooks that tax every
 * promise of every request. The gateway passes trace context explicitly instead: the request's span
 * is kept on the request, its `traceparent` goes into bus message headers, and services continue it.
 */
export function initTracing(settings: { service: string; version?: string }): { exporting: boolean } {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (provider) return { exporting: Boolean(endpoint) };
  const spanProcessors: SpanProcessor[] = endpoint ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [];
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? `gateway-${settings.service}`,
      [ATTR_SERVICE_VERSION]: settings.version ?? '0.1.0',
    }),
    spanProcessors,
  });
  provider.register({ contextManager: null });
  return { exporting: Boolean(endpoint) };
}

export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}
