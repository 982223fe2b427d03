import { GatewayError } from '@gateway/contracts';
import type { DurableStream, Endpoint, EventTopic, PayloadOf, RequestOf, ResponseOf } from '@gateway/contracts';
import { runDurableConsumerLoop, resolveConsumeOptions } from './durable-consumer-loop.ts';
import type { EndpointOutcome } from './endpoint-runner.ts';
import { runEndpoint } from './endpoint-runner.ts';
import { notAnsweredError, prepareRequest, readReply } from './endpoint-request.ts';
import { fromErrorReply } from './error-reply.ts';
import { consoleLogger } from './logger.ts';
import type { BusLogger } from './logger.ts';
import { MemoryStream } from './memory-stream.ts';
import { runEventHandler } from './event-handler.ts';
import { decodePayload, encodePayload } from './payload.ts';
import { checkServiceDefinition, serviceErrorSource } from './service-definition.ts';
import { outgoingContext } from './trace-context.ts';
import type {
  BatchHandler,
  Bus,
  BusStatus,
  ConsumeOptions,
  ConsumerHandle,
  MessageContext,
  PublishDurableOptions,
  RequestOptions,
  ServiceDefinition,
  ServiceHandle,
  Subscription,
} from './types.ts';

export interface MemoryBusOptions {
  logger?: BusLogger;
  /**
   * How long stopping the last consumer of a durable may keep handing it what is left in the stream
   * (see `ConsumerHandle.stop`), besides the batch in progress; default 10 s. What is still
   * unacknowledged then is logged as dropped.
   */
  drainTimeoutMs?: number;
}

export const defaultDrainTimeoutMs = 10_000;

/** The bus of the embedded mode, when no NATS server is configured: everything in this process. */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  return new MemoryBus(options.logger ?? consoleLogger, options.drainTimeoutMs ?? defaultDrainTimeoutMs);
}

type Responder = (data: Uint8Array, context: MessageContext) => Promise<EndpointOutcome>;
type EventListener = (data: Uint8Array, context: MessageContext) => void;

/**
 * Same contract as the NATS bus, down to the details callers could notice: payloads go through JSON
 * and both schema checks, errors are rebuilt from code, message and source only (as they would be
 * from NATS headers), replies and events arrive asynchronously, and replicas of a service take turns.
 * Services of the same subject take turns whatever their queue name: in one process there is no
 * reason to fan a request out to several groups. Unlike JetStream, its durable streams die with the
 * process, so stopping the last consumer of a durable drains it first (see `consumeDurable`).
 */
class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly #logger: BusLogger;
  readonly #drainTimeoutMs: number;
  readonly #responders = new Map<string, Responder[]>();
  readonly #turns = new Map<string, number>();
  readonly #listeners = new Map<string, Set<EventListener>>();
  readonly #streams = new Map<string, MemoryStream>();
  readonly #services = new Set<ServiceHandle>();
  readonly #consumers = new Set<ConsumerHandle>();
  #closed = false;

  constructor(logger: BusLogger, drainTimeoutMs: number) {
    this.#logger = logger;
    this.#drainTimeoutMs = drainTimeoutMs;
  }

  async request<E extends Endpoint>(endpoint: E, request: RequestOf<E>, options?: RequestOptions): Promise<ResponseOf<E>> {
    const prepared = prepareRequest(endpoint, request, options);
    const responder = this.#nextResponder(endpoint.subject);
    if (responder === undefined) throw notAnsweredError(endpoint);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, prepared.timeoutMs, undefined);
    });
    try {
      // Like a network hop, the service starts after the caller's current turn.
      const answered = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
        responder(prepared.data, prepared.context),
      );
      const outcome = await Promise.race([answered, timedOut]);
      if (outcome === undefined) throw notAnsweredError(endpoint);
      if (!outcome.ok) throw fromErrorReply(outcome.error);
      return readReply(endpoint, outcome.data);
    } finally {
      clearTimeout(timer);
    }
  }

  async serve(definition: ServiceDefinition): Promise<ServiceHandle> {
    this.#assertOpen();
    checkServiceDefinition(definition);
    const inFlight = new Set<Promise<EndpointOutcome>>();
    const runnerOptions = { service: definition.name, source: serviceErrorSource(definition), logger: this.#logger };
    const bound = definition.endpoints.map((binding) => {
      const responder: Responder = (data, context) => {
        const outcome = runEndpoint(binding, data, context, runnerOptions);
        inFlight.add(outcome);
        void outcome.finally(() => inFlight.delete(outcome));
        return outcome;
      };
      const subject = binding.endpoint.subject;
      this.#responders.set(subject, [...(this.#responders.get(subject) ?? []), responder]);
      return { subject, responder };
    });
    const handle: ServiceHandle = {
      stop: async () => {
        for (const { subject, responder } of bound) {
          const remaining = (this.#responders.get(subject) ?? []).filter((candidate) => candidate !== responder);
          if (remaining.length === 0) this.#responders.delete(subject);
          else this.#responders.set(subject, remaining);
        }
        this.#services.delete(handle);
        await Promise.allSettled(inFlight);
      },
    };
    this.#services.add(handle);
    return handle;
  }

  publish<T extends EventTopic>(topic: T, payload: PayloadOf<T>, context?: MessageContext): void {
    this.#assertOpen();
    const data = encodePayload(topic, payload, topic.subject);
    const messageContext = outgoingContext(context);
    for (const listener of this.#listeners.get(topic.subject) ?? []) {
      setImmediate(() => listener(data, messageContext));
    }
  }

  subscribe<T extends EventTopic>(
    topic: T,
    handler: (payload: PayloadOf<T>, context: MessageContext) => void | Promise<void>,
  ): Subscription {
    this.#assertOpen();
    const listener: EventListener = (data, context) => {
      const decoded = decodePayload(data, topic);
      if (!decoded.ok) {
        this.#logger.warn({ subject: topic.subject, reason: decoded.reason }, 'Dropping an event that does not match its schema');
        return;
      }
      runEventHandler(() => handler(decoded.data as PayloadOf<T>, context), context, topic.subject, this.#logger);
    };
    const listeners = this.#listeners.get(topic.subject) ?? new Set();
    listeners.add(listener);
    this.#listeners.set(topic.subject, listeners);
    return { unsubscribe: () => listeners.delete(listener) };
  }

  async ensureStream(stream: DurableStream): Promise<void> {
    this.#assertOpen();
    const existing = this.#streams.get(stream.stream);
    if (existing) existing.update(stream);
    else this.#streams.set(stream.stream, new MemoryStream(stream));
  }

  async publishDurable<S extends DurableStream>(
    stream: S,
    payload: PayloadOf<S>,
    options: PublishDurableOptions,
  ): Promise<{ duplicate: boolean }> {
    const data = encodePayload(stream, payload, stream.stream);
    return this.#stream(stream).publish(data, options.messageId, outgoingContext(options.context));
  }

  async consumeDurable<S extends DurableStream>(
    stream: S,
    options: ConsumeOptions,
    handler: BatchHandler<PayloadOf<S>>,
  ): Promise<ConsumerHandle> {
    const resolved = resolveConsumeOptions(options);
    const durable = this.#stream(stream).durable(resolved.durableName, resolved.ackWaitMs);
    const attachment = durable.attach();
    let stopping = false;
    const draining = new AbortController();
    const loop = runDurableConsumerLoop(attachment.messages, {
      stream,
      options: resolved,
      handler: handler as BatchHandler<unknown>,
      logger: this.#logger,
      isStopping: () => stopping,
      draining: draining.signal,
    });
    const stop = async () => {
      if (!attachment.drain()) {
        // Other consumers of this durable remain: what this one read goes back to them.
        stopping = true;
        await loop;
        return;
      }
      // The last consumer of the durable: nothing would ever deliver what is left, and the stream
      // dies with the process, so hand it all to the handler first, within the time limit.
      draining.abort();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stopping = true;
        attachment.stop();
      }, this.#drainTimeoutMs);
      try {
        await loop;
      } finally {
        clearTimeout(timer);
      }
      const dropped = durable.unsettled;
      if (dropped > 0) {
        this.#logger.error(
          {
            stream: stream.stream,
            durableName: resolved.durableName,
            dropped,
            drainTimeoutMs: this.#drainTimeoutMs,
            reason: timedOut
              ? 'the handler did not acknowledge them before the drain time limit'
              : 'the consumer stopped on an error',
          },
          'Dropping durable messages the in-process bus could not hand to its consumer before it stopped: the in-process stream does not outlive the process',
        );
      }
    };
    let stopped: Promise<void> | undefined;
    const handle: ConsumerHandle = {
      stop: () => {
        stopped ??= stop().finally(() => this.#consumers.delete(handle));
        return stopped;
      },
    };
    this.#consumers.add(handle);
    return handle;
  }

  status(): BusStatus {
    return { kind: 'memory', connected: !this.#closed };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
    await Promise.all([...this.#services].map((service) => service.stop()));
    this.#closed = true;
    this.#listeners.clear();
    for (const stream of this.#streams.values()) stream.close();
  }

  #nextResponder(subject: string): Responder | undefined {
    const responders = this.#responders.get(subject);
    if (responders === undefined || responders.length === 0) return undefined;
    const turn = this.#turns.get(subject) ?? 0;
    this.#turns.set(subject, turn + 1);
    return responders[turn % responders.length];
  }

  #stream(stream: DurableStream): MemoryStream {
    this.#assertOpen();
    const found = this.#streams.get(stream.stream);
    if (found === undefined) {
      // JetStream answers a publish to a missing stream with "no responders"; keep the same contract.
      throw new GatewayError('dependency_unavailable', `The ${stream.stream} stream does not exist`, { source: 'bus' });
    }
    return found;
  }

  #assertOpen(): void {
    if (this.#closed) throw new GatewayError('dependency_unavailable', 'The bus is closed', { source: 'bus' });
  }
}
