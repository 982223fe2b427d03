import type { DurableStream } from '@gateway/contracts';
import { BatchReader } from './batch-reader.ts';
import { describeError } from './logger.ts';
import type { BusLogger } from './logger.ts';
import { decodePayload } from './payload.ts';
import type { BatchHandler, ConsumeOptions, DurableMessage, MessageContext } from './types.ts';

export const consumeDefaults = {
  batchSize: 100,
  maxWaitMs: 500,
  ackWaitMs: 30_000,
  redeliveryDelayMs: 1000,
} as const;

export type ResolvedConsumeOptions = Required<ConsumeOptions>;

export function resolveConsumeOptions(options: ConsumeOptions): ResolvedConsumeOptions {
  return {
    durableName: options.durableName,
    batchSize: options.batchSize ?? consumeDefaults.batchSize,
    maxWaitMs: options.maxWaitMs ?? consumeDefaults.maxWaitMs,
    ackWaitMs: options.ackWaitMs ?? consumeDefaults.ackWaitMs,
    redeliveryDelayMs: options.redeliveryDelayMs ?? consumeDefaults.redeliveryDelayMs,
  };
}

/** A message as a durable consumer receives it, from JetStream or from the in-process stream. */
export interface DeliveredMessage {
  readonly data: Uint8Array;
  readonly messageId: string;
  readonly deliveryCount: number;
  readonly context: MessageContext;
  ack(): void;
  /** Hands the message back to be delivered again after `delayMs`. */
  nak(delayMs: number): void;
  /** Drops the message for good: it can never be processed. */
  term(): void;
}

export interface DurableConsumerLoopOptions {
  stream: DurableStream;
  options: ResolvedConsumeOptions;
  handler: BatchHandler<unknown>;
  logger: BusLogger;
  /** True once stop() was called: messages already received are handed back, not processed. */
  isStopping(): boolean;
  /**
   * Aborted when a stopping consumer goes on to process what is left (the in-process bus, whose
   * stream dies with the process): from then on a batch is handed over with what is ready, without
   * waiting `maxWaitMs` to fill it, the batch being read at that moment included.
   */
  draining?: AbortSignal;
}

/**
 * The consuming loop shared by both buses: read a batch, drop what cannot be decoded, hand the rest
 * to the handler, ack all when it resolves, hand all back for redelivery when it throws. It returns
 * when the source ends (after stop, or once a draining source has nothing left) and never throws.
 */
export async function runDurableConsumerLoop(
  source: AsyncIterable<DeliveredMessage>,
  loop: DurableConsumerLoopOptions,
): Promise<void> {
  const { stream, options, logger } = loop;
  const reader = new BatchReader(source);
  const where = { stream: stream.stream, durableName: options.durableName };
  try {
    for (;;) {
      const batch = await reader.read(options.batchSize, options.maxWaitMs, loop.draining);
      if (batch.length === 0) return;
      if (loop.isStopping()) {
        for (const message of batch) message.nak(0);
        continue;
      }
      const decoded = decodeBatch(batch, stream, loop);
      if (decoded.length === 0) continue;
      try {
        await loop.handler(decoded.map(({ durable }) => durable));
      } catch (error) {
        logger.warn(
          { ...where, error: describeError(error), messages: decoded.length },
          'Durable batch handler failed; the batch will be delivered again',
        );
        for (const { message } of decoded) message.nak(options.redeliveryDelayMs);
        continue;
      }
      for (const { message } of decoded) message.ack();
    }
  } catch (error) {
    logger.error({ ...where, error: describeError(error) }, 'Durable consumer stopped on an error');
  }
}

interface DecodedMessage {
  message: DeliveredMessage;
  durable: DurableMessage<unknown>;
}

function decodeBatch(
  batch: DeliveredMessage[],
  stream: DurableStream,
  loop: DurableConsumerLoopOptions,
): DecodedMessage[] {
  const decoded: DecodedMessage[] = [];
  for (const message of batch) {
    const payload = decodePayload(message.data, stream);
    if (!payload.ok) {
      // Redelivering cannot make it valid; terminating keeps it from blocking the consumer forever.
      loop.logger.warn(
        { stream: stream.stream, messageId: message.messageId, reason: payload.reason },
        'Dropping a durable message that does not match its schema',
      );
      message.term();
      continue;
    }
    decoded.push({
      message,
      durable: {
        data: payload.data,
        messageId: message.messageId,
        deliveryCount: message.deliveryCount,
        context: message.context,
      },
    });
  }
  return decoded;
}
