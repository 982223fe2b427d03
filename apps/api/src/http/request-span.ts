import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, isSpanContextValid, propagation, trace, type Span } from '@opentelemetry/api';

declare module 'fastify' {
  interface FastifyRequest {
    span?: Span;
    /** W3C `traceparent` of this request's span, for messages it sends on the bus. */
    traceparent?: string;
  }
}

const headerGetter = {
  keys: (carrier: IncomingHttpHeaders) => Object.keys(carrier),
  get: (carrier: IncomingHttpHeaders, key: string) => carrier[key],
};

const tracer = trace.getTracer('gateway-api');

/**
 * One SERVER span per request, continuing an incoming W3C `traceparent` (Kong's OpenTelemetry plugin
 * sends one). Context is carried explicitly, not through AsyncLocalStorage (see initTracing): the
 * request logger is bound to the trace and span ids, and `request.traceparent` goes onto the bus.
 * Without a registered tracer provider (tests that build the API in-process) the request still gets
 * fresh ids, so its log lines can be correlated.
 */
export function startRequestSpan(request: FastifyRequest): void {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
  let span = tracer.startSpan(
    `${request.method} ${request.routeOptions.url ?? 'unmatched'}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0] ?? '', 'gateway.request_id': request.id },
    },
    parent,
  );
  if (!isSpanContextValid(span.spanContext()) || !span.isRecording()) {
    // No SDK: continue the caller's trace id if any, under a span id of our own.
    const incoming = trace.getSpanContext(parent);
    span = trace.wrapSpanContext({
      traceId: incoming && isSpanContextValid(incoming) ? incoming.traceId : randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: incoming?.traceFlags ?? 0,
    });
  }
  const { traceId, spanId, traceFlags } = span.spanContext();
  request.span = span;
  request.traceparent = `00-${traceId}-${spanId}-0${traceFlags & 1}`;
  request.log = request.log.child({ trace_id: traceId, span_id: spanId });
}

/** Ends the request's span once (a stream, whose reply is hijacked, ends it itself). */
export function endRequestSpan(request: FastifyRequest, status: number): void {
  const span = request.span;
  if (!span) return;
  request.span = undefined;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
