import { AsyncLocalStorage } from 'node:async_hooks';
import { context as contextApi, isSpanContextValid, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, ContextManager, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';

/*
 * Minimal stand-ins for what the telemetry package registers (the SDK's propagator and context
 * manager), so the bus tests can check that trace context crosses the bus without depending on the SDK.
 */

/** W3C `traceparent` only; the tests need no tracestate parsing. */
class TraceparentPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || !isSpanContextValid(spanContext)) return;
    const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
    setter.set(carrier, 'traceparent', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const value = getter.get(carrier, 'traceparent');
    const header = Array.isArray(value) ? value[0] : value;
    const match = header?.match(/^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/);
    if (!match?.[1] || !match[2] || !match[3]) return context;
    return trace.setSpanContext(context, {
      traceId: match[1],
      spanId: match[2],
      traceFlags: Number.parseInt(match[3], 16) as TraceFlags,
      isRemote: true,
    });
  }

  fields(): string[] {
    return ['traceparent'];
  }
}

/** Keeps the active context across awaits, as the SDK's AsyncLocalStorage context manager does. */
class AsyncContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    run: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(context, () => run.call(thisArg, ...args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => target.apply(this, args));
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}

/** Registers both globally; returns the function that removes them again. */
export function useTestTelemetry(): () => void {
  propagation.setGlobalPropagator(new TraceparentPropagator());
  contextApi.setGlobalContextManager(new AsyncContextManager());
  return () => {
    propagation.disable();
    contextApi.disable();
  };
}

export const sampleSpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};
