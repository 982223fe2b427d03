import type { DurableStream, Endpoint, EventTopic, PayloadOf, RequestOf, ResponseOf } from '@gateway/contracts';

/** What travels with every message besides its payload (NATS headers on the wire). */
export interface MessageContext {
  requestId?: string;
  /** W3C trace context; filled from the active OpenTelemetry context when absent. */
  traceparent?: string;
  tracestate?: string;
}

export interface RequestOptions {
  /** Reply deadline; default 5000 ms. A timeout becomes a GatewayError `dependency_unavailable`. */
  timeoutMs?: number;
  context?: MessageContext;
}

export type EndpointHandler<E extends Endpoint> = (
  request: RequestOf<E>,
  context: MessageContext,
) => Promise<ResponseOf<E>> | ResponseOf<E>;

export interface ServiceEndpoint<E extends Endpoint = Endpoint> {
  endpoint: E;
  handler: EndpointHandler<E>;
}

export interface ServiceDefinition {
  /** Service name reported by `$SRV.INFO` (e.g. `router`). */
  name: string;
  version: string;
  description?: string;
  /** Queue group; replicas with the same queue share requests. Default: the service name. */
  queue?: string;
  endpoints: ServiceEndpoint<any>[];
}

export interface ServiceHandle {
  stop(): Promise<void>;
}

export interface Subscription {
  unsubscribe(): void;
}

export interface DurableMessage<T> {
  data: T;
  /** The id it was published with (`Nats-Msg-Id`). */
  messageId: string;
  /** 1 on first delivery; more after a redelivery. */
  deliveryCount: number;
  context: MessageContext;
}

export interface ConsumeOptions {
  /** Durable consumer name; consumers with the same name share the work. */
  durableName: string;
  /** Most messages handed to one handler call; default 100. */
  batchSize?: number;
  /** Longest wait, counted from a batch's first message, to fill it before handing over what arrived; default 500 ms. */
  maxWaitMs?: number;
  /**
   * How long a delivered message may stay unacknowledged (a handler still running, a replica that
   * died) before it is delivered again; default 30 s. Longer than the slowest batch, or batches run twice.
   */
  ackWaitMs?: number;
  /** Delay before the messages of a failed batch are delivered again; default 1000 ms. */
  redeliveryDelayMs?: number;
}

/**
 * Gets a batch; resolving acks every message of it, throwing leaves them for redelivery.
 * Handlers must therefore be idempotent (the ledger writes with ON CONFLICT DO NOTHING).
 */
export type BatchHandler<T> = (messages: DurableMessage<T>[]) => Promise<void>;

export interface ConsumerHandle {
  /**
   * Stops consuming; resolves once the handler call in progress has returned. What happens to the
   * messages not handled yet depends on where they are kept:
   * - NATS: nothing more is pulled, and messages already received but not handled are handed back
   *   unprocessed. JetStream keeps them for the next consumer of the durable (in this process or
   *   another, now or after a restart).
   * - In process: the stream lives in this process's memory and dies with it. Stopping the last
   *   consumer of a durable therefore drains it first: batches keep going to the handler until the
   *   durable has nothing ready, unacknowledged or waiting for redelivery (a failed batch is retried
   *   after `redeliveryDelayMs` as usual), for at most the bus's drain time limit (default 10 s) plus
   *   the batch in progress. Messages still unacknowledged then are logged as dropped, with their
   *   count and the reason. Stopping one of several consumers of a durable does not drain: the
   *   others take over.
   * Calling it again returns the same promise (in process) or is harmless (NATS).
   */
  stop(): Promise<void>;
}

export interface PublishDurableOptions {
  /** De-duplication id (`Nats-Msg-Id`): a second publish with the same id is dropped. */
  messageId: string;
  context?: MessageContext;
}

export interface BusStatus {
  kind: 'nats' | 'memory';
  connected: boolean;
  server?: string;
}

/**
 * The one interface services use to talk to each other. Two implementations: NATS (core request/reply
 * through the NATS service API, JetStream for durable streams) and in-process (embedded mode). Both
 * pass the same contract tests. Payloads are validated against the contract's zod schemas on both
 * sides.
 */
export interface Bus {
  readonly kind: 'nats' | 'memory';
  request<E extends Endpoint>(endpoint: E, request: RequestOf<E>, options?: RequestOptions): Promise<ResponseOf<E>>;
  serve(definition: ServiceDefinition): Promise<ServiceHandle>;
  publish<T extends EventTopic>(topic: T, payload: PayloadOf<T>, context?: MessageContext): void;
  /**
   * Events are fire and forget: a subscriber gets what is published once its subscription is in
   * place (on NATS, once it reached the server), nothing earlier and nothing while it is down.
   */
  subscribe<T extends EventTopic>(
    topic: T,
    handler: (payload: PayloadOf<T>, context: MessageContext) => void | Promise<void>,
  ): Subscription;
  /** Creates or updates the stream (idempotent). */
  ensureStream(stream: DurableStream): Promise<void>;
  publishDurable<S extends DurableStream>(
    stream: S,
    payload: PayloadOf<S>,
    options: PublishDurableOptions,
  ): Promise<{ duplicate: boolean }>;
  /**
   * Hands the stream's messages to `handler` in batches, sharing them with every other consumer of
   * the same durable name. On NATS the messages outlive every consumer and process; on the in-process
   * bus they do not, so stopping the last consumer of a durable first delivers what is still in the
   * stream (bounded by a time limit; see `ConsumerHandle.stop`). Either way a graceful shutdown
   * stops the publishers first, then the consumers.
   */
  consumeDurable<S extends DurableStream>(
    stream: S,
    options: ConsumeOptions,
    handler: BatchHandler<PayloadOf<S>>,
  ): Promise<ConsumerHandle>;
  status(): BusStatus;
  /** Round trip to the server (NATS) or a no-op (memory); throws when unreachable. */
  ping(): Promise<void>;
  /**
   * Stops the durable consumers and services still running (the in-process bus draining its
   * consumers as `ConsumerHandle.stop` says), then drains subscriptions and closes the connection.
   */
  close(): Promise<void>;
}
