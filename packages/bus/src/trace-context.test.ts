import { context, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleSpanContext, useTestTelemetry } from '../test/test-telemetry.ts';
import { outgoingContext, runInMessageContext } from './trace-context.ts';

const sampleTraceparent = `00-${sampleSpanContext.traceId}-${sampleSpanContext.spanId}-01`;

describe('trace context', () => {
  let removeTelemetry: () => void;
  beforeEach(() => {
    removeTelemetry = useTestTelemetry();
  });
  afterEach(() => removeTelemetry());

  it('injects the active span when the caller gave no traceparent', () => {
    const active = trace.setSpanContext(context.active(), sampleSpanContext);
    const sent = context.with(active, () => outgoingContext({ requestId: 'req-1' }));
    expect(sent).toEqual({ requestId: 'req-1', traceparent: sampleTraceparent });
  });

  it('keeps the trace headers the caller gave', () => {
    const given = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=1' };
    const active = trace.setSpanContext(context.active(), sampleSpanContext);
    expect(context.with(active, () => outgoingContext(given))).toEqual(given);
  });

  it('sends no trace headers outside any span', () => {
    expect(outgoingContext()).toEqual({});
  });

  it('runs the handler under the remote span, not under what is active where it is dispatched', () => {
    const unrelated = trace.setSpanContext(context.active(), { ...sampleSpanContext, traceId: 'f'.repeat(32) });
    const seen = context.with(unrelated, () =>
      runInMessageContext({ traceparent: sampleTraceparent }, () => trace.getSpanContext(context.active())),
    );
    expect(seen).toMatchObject({ traceId: sampleSpanContext.traceId, spanId: sampleSpanContext.spanId, isRemote: true });
  });
});
