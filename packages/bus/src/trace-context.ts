import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { MessageContext } from './types.ts';

type Carrier = Record<string, string>;

/**
 * The context sent with a message: the caller's own trace headers when it gave them (it may be
 * forwarding a client's), otherwise whatever the registered propagator injects from the active
 * OpenTelemetry context. Without a registered propagator nothing is injected.
 */
export function outgoingContext(given: MessageContext = {}): MessageContext {
  if (given.traceparent !== undefined) return { ...given };
  const carrier: Carrier = {};
  propagation.inject(context.active(), carrier);
  const filled: MessageContext = { ...given };
  if (carrier.traceparent !== undefined) filled.traceparent = carrier.traceparent;
  if (carrier.tracestate !== undefined) filled.tracestate = carrier.tracestate;
  return filled;
}

/**
 * Runs a handler under the trace context the message carried, so the spans it starts are children
 * of the caller's span. It starts from the root context, never from whatever happened to be active
 * where the message was dispatched, so the in-process bus links spans exactly as NATS does.
 */
export function runInMessageContext<T>(messageContext: MessageContext, run: () => T): T {
  const carrier: Carrier = {};
  if (messageContext.traceparent !== undefined) carrier.traceparent = messageContext.traceparent;
  if (messageContext.tracestate !== undefined) carrier.tracestate = messageContext.tracestate;
  return context.with(propagation.extract(ROOT_CONTEXT, carrier), run);
}
