import { GatewayError, headerNames } from '@gateway/contracts';
import type { DurableStream } from '@gateway/contracts';
import { AckPolicy, JetStreamApiCodes, JetStreamApiError, StorageType } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { runDurableConsumerLoop } from './durable-consumer-loop.ts';
import type { DeliveredMessage, ResolvedConsumeOptions } from './durable-consumer-loop.ts';
import type { BusLogger } from './logger.ts';
import type { Namespace } from './namespace.ts';
import { contextFromHeaders, contextHeaders } from './nats-headers.ts';
import type { BatchHandler, ConsumerHandle, MessageContext } from './types.ts';

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** JetStream's answer when a stream asks for more replicas than a non-clustered server can keep. */
const replicasNotSupported = 10074;

/**
 * Creates the stream, or brings an existing one's subjects, de-duplication window, age limit and
 * replica count up to date. `replicas` is how many JetStream servers keep each message (1 on a
 * single server; 3 on a three-server cluster, so that losing one loses nothing): raising it on an
 * existing stream makes the cluster copy it.
 */
export async function ensureNatsStream(manager: JetStreamManager, stream: DurableStream, namespace: Namespace, replicas = 1): Promise<void> {
  const name = namespace.stream(stream.stream);
  const wanted = {
    subjects: [namespace.subject(stream.subject)],
    duplicate_window: nanos(stream.duplicateWindowMs),
    ...(stream.maxAgeMs !== undefined ? { max_age: nanos(stream.maxAgeMs) } : {}),
    num_replicas: replicas,
  };
  const notClustered = (cause?: unknown) =>
    new GatewayError(
      'dependency_unavailable',
      `The ${stream.stream} stream asks for ${replicas} replicas (NATS_STREAM_REPLICAS) but the NATS server is not part of a JetStream cluster; use 1 with a single server`,
      { source: 'bus', ...(cause === undefined ? {} : { cause }) },
    );
  let existing;
  try {
    existing = await manager.streams.info(name);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
    try {
      // Replicas may race here; JetStream accepts a second create with the same configuration.
      await manager.streams.add({ name, ...wanted, storage: StorageType.File });
    } catch (addError) {
      if (replicas > 1 && isApiError(addError, replicasNotSupported)) throw notClustered(addError);
      throw addError;
    }
    return;
  }
  // A single server accepts more replicas on an update without keeping them: refuse it here.
  if (replicas > 1 && existing.cluster?.name === undefined) throw notClustered();
  await manager.streams.update(name, wanted);
}

export async function publishNatsDurable(
  client: JetStreamClient,
  stream: DurableStream,
  namespace: Namespace,
  data: Uint8Array,
  messageId: string,
  context: MessageContext,
): Promise<{ duplicate: boolean }> {
  try {
    const acknowledgement = await client.publish(namespace.subject(stream.subject), data, {
      msgID: messageId,
      headers: contextHeaders(context),
    });
    return { duplicate: acknowledgement.duplicate };
  } catch (error) {
    throw new GatewayError('dependency_unavailable', `Could not store a message in the ${stream.stream} stream`, {
      source: 'bus',
      cause: error,
    });
  }
}

export interface NatsConsumerOptions {
  manager: JetStreamManager;
  client: JetStreamClient;
  stream: DurableStream;
  namespace: Namespace;
  options: ResolvedConsumeOptions;
  handler: BatchHandler<unknown>;
  logger: BusLogger;
}

/**
 * A durable pull consumer. Batches come from the library's `consume()` (continuous pull requests)
 * and are cut by the shared batch reader: `fetch()` cannot wait less than a second for a batch, while
 * callers may ask for shorter waits (500 ms by default).
 */
export async function consumeNatsDurable(consumer: NatsConsumerOptions): Promise<ConsumerHandle> {
  const { manager, client, stream, namespace, options } = consumer;
  const streamName = namespace.stream(stream.stream);
  const ackWait = nanos(options.ackWaitMs);
  if (await consumerExists(manager, stream, streamName, options.durableName)) {
    // The ack policy of an existing consumer cannot change; its ack wait follows the options.
    await manager.consumers.update(streamName, options.durableName, { ack_wait: ackWait });
  } else {
    // Replicas may race here; JetStream accepts a second create with the same configuration.
    await manager.consumers.add(streamName, {
      durable_name: options.durableName,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWait,
    });
  }
  const pull = await client.consumers.get(streamName, options.durableName);
  const messages = await pull.consume({ max_messages: options.batchSize });
  let stopping = false;
  const loop = runDurableConsumerLoop(deliveredMessages(messages, streamName), {
    stream,
    options,
    handler: consumer.handler,
    logger: consumer.logger,
    isStopping: () => stopping,
  });
  return {
    stop: async () => {
      stopping = true;
      // Stops pulling; messages already received are still yielded, and handed back by the loop.
      messages.stop();
      await loop;
    },
  };
}

async function consumerExists(
  manager: JetStreamManager,
  stream: DurableStream,
  streamName: string,
  durableName: string,
): Promise<boolean> {
  try {
    await manager.consumers.info(streamName, durableName);
    return true;
  } catch (error) {
    if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return false;
    if (isApiError(error, JetStreamApiCodes.StreamNotFound)) {
      throw new GatewayError('dependency_unavailable', `The ${stream.stream} stream does not exist`, {
        source: 'bus',
        cause: error,
      });
    }
    throw error;
  }
}

async function* deliveredMessages(messages: AsyncIterable<JsMsg>, streamName: string): AsyncGenerator<DeliveredMessage> {
  for await (const message of messages) {
    const messageId = message.headers?.get(headerNames.natsMessageId);
    yield {
      data: message.data,
      messageId: messageId === undefined || messageId === '' ? `${streamName}:${message.seq}` : messageId,
      deliveryCount: message.info.deliveryCount,
      context: contextFromHeaders(message.headers),
      ack: () => message.ack(),
      nak: (delayMs) => message.nak(delayMs),
      term: () => message.term(),
    };
  }
}
