import { GatewayError } from '@gateway/contracts';
import type { DurableStream, Endpoint, EventTopic, PayloadOf, RequestOf, ResponseOf } from '@gateway/contracts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
import { resolveConsumeOptions } from './durable-consumer-loop.ts';
import { notAnsweredError, prepareRequest, readReply } from './endpoint-request.ts';
import { fromErrorReply, serviceFailedMessage, toErrorSource } from './error-reply.ts';
import { runEventHandler } from './event-handler.ts';
import { consoleLogger, describeError } from './logger.ts';
import type { BusLogger } from './logger.ts';
import { createNamespace } from './namespace.ts';
import type { Namespace } from './namespace.ts';
import { consumeNatsDurable, ensureNatsStream, publishNatsDurable } from './nats-durable.ts';
import { contextFromHeaders, contextHeaders, readErrorReply } from './nats-headers.ts';
import { serveOnNats } from './nats-service.ts';
import { decodePayload, encodePayload } from './payload.ts';
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

export interface NatsBusOptions {
  /** Server URL(s), comma separated; may carry credentials, so it is never logged. */
  url: string;
  /** Connection name shown by the server (`nats server report connections`). */
  name: string;
  /** Prefix for every subject, service group and stream; see namespace.ts. */
  namespace?: string;
  /** How many JetStream servers keep each message of the streams this bus creates (default 1). */
  streamReplicas?: number;
  logger?: BusLogger;
}

const pingTimeoutMs = 2000;

/**
 * The bus on NATS: request/reply through NATS micro services, events on core NATS, durable streams
 * on JetStream. It reconnects without limit: a service outliving a NATS restart is the normal case.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<Bus> {
  const logger = options.logger ?? consoleLogger;
  const namespace = createNamespace(options.namespace);
  let connection: NatsConnection;
  try {
    // noAsyncTraces: otherwise the client builds two Error objects with stack traces per request.
    connection = await connect({ servers: options.url.split(','), name: options.name, maxReconnectAttempts: -1, noAsyncTraces: true });
  } catch (error) {
    throw new GatewayError('dependency_unavailable', 'Could not connect to NATS', { source: 'bus', cause: error });
  }
  return new NatsBus(connection, namespace, logger, options.streamReplicas ?? 1);
}

class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  readonly #connection: NatsConnection;
  readonly #namespace: Namespace;
  readonly #logger: BusLogger;
  readonly #services = new Set<ServiceHandle>();
  readonly #consumers = new Set<ConsumerHandle>();
  #jetStream: Promise<{ manager: JetStreamManager; client: JetStreamClient }> | undefined;
  #connected = true;

  readonly #streamReplicas: number;

  constructor(connection: NatsConnection, namespace: Namespace, logger: BusLogger, streamReplicas: number) {
    this.#connection = connection;
    this.#namespace = namespace;
    this.#streamReplicas = streamReplicas;
    this.#logger = logger;
    void this.#watchStatus();
  }

  async request<E extends Endpoint>(endpoint: E, request: RequestOf<E>, options?: RequestOptions): Promise<ResponseOf<E>> {
    const prepared = prepareRequest(endpoint, request, options);
    let reply: Msg;
    try {
      reply = await this.#connection.request(this.#namespace.subject(endpoint.subject), prepared.data, {
        timeout: prepared.timeoutMs,
        headers: contextHeaders(prepared.context),
      });
    } catch (error) {
      throw notAnsweredError(endpoint, error);
    }
    const failure = readErrorReply(reply.headers);
    if (failure !== undefined) {
      const source = toErrorSource(failure.source, 'bus');
      // A reply from a service that is not ours carries no gateway code; its text is not known to be public.
      throw failure.code === undefined
        ? new GatewayError('internal_error', serviceFailedMessage(endpoint.service), { source, cause: failure.message })
        : fromErrorReply({
            code: failure.code,
            message: failure.message,
            source,
            param: failure.param ?? null,
            ...(failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
          });
    }
    return readReply(endpoint, reply.data);
  }

  async serve(definition: ServiceDefinition): Promise<ServiceHandle> {
    const served = await serveOnNats(this.#connection, definition, this.#namespace, this.#logger);
    const handle: ServiceHandle = {
      stop: async () => {
        this.#services.delete(handle);
        await served.stop();
      },
    };
    this.#services.add(handle);
    return handle;
  }

  publish<T extends EventTopic>(topic: T, payload: PayloadOf<T>, context?: MessageContext): void {
    const data = encodePayload(topic, payload, topic.subject);
    try {
      this.#connection.publish(this.#namespace.subject(topic.subject), data, {
        headers: contextHeaders(outgoingContext(context)),
      });
    } catch (error) {
      throw new GatewayError('dependency_unavailable', `Could not publish a ${topic.subject} event`, {
        source: 'bus',
        cause: error,
      });
    }
  }

  subscribe<T extends EventTopic>(
    topic: T,
    handler: (payload: PayloadOf<T>, context: MessageContext) => void | Promise<void>,
  ): Subscription {
    const subscription: NatsSubscription = this.#connection.subscribe(this.#namespace.subject(topic.subject), {
      callback: (error, message) => {
        if (error) {
          this.#logger.error({ subject: topic.subject, error: describeError(error) }, 'Event subscription failed');
          return;
        }
        const decoded = decodePayload(message.data, topic);
        if (!decoded.ok) {
          this.#logger.warn({ subject: topic.subject, reason: decoded.reason }, 'Dropping an event that does not match its schema');
          return;
        }
        const context = contextFromHeaders(message.headers);
        runEventHandler(() => handler(decoded.data as PayloadOf<T>, context), context, topic.subject, this.#logger);
      },
    });
    return { unsubscribe: () => subscription.unsubscribe() };
  }

  async ensureStream(stream: DurableStream): Promise<void> {
    const { manager } = await this.#jetStreamApi();
    await ensureNatsStream(manager, stream, this.#namespace, this.#streamReplicas);
  }

  async publishDurable<S extends DurableStream>(
    stream: S,
    payload: PayloadOf<S>,
    options: PublishDurableOptions,
  ): Promise<{ duplicate: boolean }> {
    const data = encodePayload(stream, payload, stream.stream);
    const { client } = await this.#jetStreamApi();
    return publishNatsDurable(client, stream, this.#namespace, data, options.messageId, outgoingContext(options.context));
  }

  async consumeDurable<S extends DurableStream>(
    stream: S,
    options: ConsumeOptions,
    handler: BatchHandler<PayloadOf<S>>,
  ): Promise<ConsumerHandle> {
    const { manager, client } = await this.#jetStreamApi();
    const consumer = await consumeNatsDurable({
      manager,
      client,
      stream,
      namespace: this.#namespace,
      options: resolveConsumeOptions(options),
      handler: handler as BatchHandler<unknown>,
      logger: this.#logger,
    });
    const handle: ConsumerHandle = {
      stop: async () => {
        this.#consumers.delete(handle);
        await consumer.stop();
      },
    };
    this.#consumers.add(handle);
    return handle;
  }

  status(): BusStatus {
    return {
      kind: 'nats',
      connected: this.#connected && !this.#connection.isClosed(),
      server: this.#connection.getServer(),
    };
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${pingTimeoutMs} ms`)), pingTimeoutMs);
    });
    try {
      await Promise.race([this.#connection.rtt(), timedOut]);
    } catch (error) {
      throw new GatewayError('dependency_unavailable', 'NATS did not answer a ping', { source: 'bus', cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops consumers and services first, so batches are settled and replies sent before the drain. */
  async close(): Promise<void> {
    if (this.#connection.isClosed()) return;
    await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
    await Promise.all([...this.#services].map((service) => service.stop()));
    if (!this.#connection.isClosed() && !this.#connection.isDraining()) await this.#connection.drain();
  }

  /** JetStream is looked up on first use, so a bus that only serves requests does not need it. */
  #jetStreamApi(): Promise<{ manager: JetStreamManager; client: JetStreamClient }> {
    this.#jetStream ??= jetstreamManager(this.#connection).then(
      (manager) => ({ manager, client: jetstream(this.#connection) }),
      (error: unknown) => {
        this.#jetStream = undefined;
        throw new GatewayError('dependency_unavailable', 'JetStream is not available on the NATS server', {
          source: 'bus',
          cause: error,
        });
      },
    );
    return this.#jetStream;
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#connection.status()) {
      switch (status.type) {
        case 'disconnect':
          this.#connected = false;
          this.#logger.warn({ server: status.server }, 'Disconnected from NATS');
          break;
        case 'reconnect':
          this.#connected = true;
          this.#logger.info({ server: status.server }, 'Reconnected to NATS');
          break;
        case 'slowConsumer':
          this.#logger.warn({ subject: status.sub.getSubject(), pending: status.pending }, 'NATS subscription is falling behind');
          break;
        case 'error':
          this.#logger.error({ error: describeError(status.error) }, 'NATS connection error');
          break;
        default:
          break;
      }
    }
  }
}
