import type { DurableStream } from '@gateway/contracts';
import type { DeliveredMessage } from './durable-consumer-loop.ts';
import type { MessageContext } from './types.ts';

interface StoredMessage {
  readonly data: Uint8Array;
  readonly messageId: string;
  readonly context: MessageContext;
  /** Durable consumers that have not acknowledged it yet. */
  readonly unacknowledgedBy: Set<string>;
}

/**
 * An in-process durable stream with JetStream's semantics where the gateway relies on them:
 * de-duplication by message id inside the window, durable consumers that share work by name,
 * explicit acks, redelivery after a nak or when the ack wait runs out, delivery counts.
 *
 * Retention differs on purpose, to keep memory bounded: a message is kept until every durable
 * consumer that exists has acknowledged it (or until one exists), so a durable created later sees
 * only what is still kept, where a JetStream stream would keep everything within its limits.
 */
/**
 * Most message ids remembered for de-duplication. JetStream keeps ids for the whole window on disk; in
 * process, 24 h of ids at hundreds of requests a second would be gigabytes, and the duplicates that
 * matter (a publish retried after a lost ack) come within seconds. The oldest ids are forgotten first.
 */
export const maxRememberedMessageIds = 100_000;

export class MemoryStream {
  readonly name: string;
  readonly #publishedAt = new Map<string, number>();
  readonly #kept = new Set<StoredMessage>();
  readonly #durables = new Map<string, MemoryDurable>();
  #duplicateWindowMs: number;

  constructor(definition: DurableStream) {
    this.name = definition.stream;
    this.#duplicateWindowMs = definition.duplicateWindowMs;
  }

  update(definition: DurableStream): void {
    this.#duplicateWindowMs = definition.duplicateWindowMs;
  }

  publish(data: Uint8Array, messageId: string, context: MessageContext): { duplicate: boolean } {
    const now = Date.now();
    this.#forgetIdsBefore(now - this.#duplicateWindowMs);
    if (this.#publishedAt.has(messageId)) return { duplicate: true };
    this.#publishedAt.set(messageId, now);
    if (this.#publishedAt.size > maxRememberedMessageIds) {
      const oldest = this.#publishedAt.keys().next();
      if (!oldest.done) this.#publishedAt.delete(oldest.value);
    }
    const message: StoredMessage = { data, messageId, context, unacknowledgedBy: new Set(this.#durables.keys()) };
    this.#kept.add(message);
    for (const durable of this.#durables.values()) durable.enqueue(message);
    return { duplicate: false };
  }

  /** Gets or creates the named durable consumer; a new one starts with every message still kept. */
  durable(name: string, ackWaitMs: number): MemoryDurable {
    const existing = this.#durables.get(name);
    if (existing) {
      existing.ackWaitMs = ackWaitMs;
      return existing;
    }
    const durable = new MemoryDurable(ackWaitMs, (message) => this.#acknowledged(message, name));
    this.#durables.set(name, durable);
    for (const message of this.#kept) {
      message.unacknowledgedBy.add(name);
      durable.enqueue(message);
    }
    return durable;
  }

  close(): void {
    for (const durable of this.#durables.values()) durable.close();
  }

  #acknowledged(message: StoredMessage, durableName: string): void {
    message.unacknowledgedBy.delete(durableName);
    if (message.unacknowledgedBy.size === 0) this.#kept.delete(message);
  }

  /** Ids are inserted in publish order, so the expired ones are at the front. */
  #forgetIdsBefore(cutoff: number): void {
    for (const [messageId, publishedAt] of this.#publishedAt) {
      if (publishedAt >= cutoff) return;
      this.#publishedAt.delete(messageId);
    }
  }
}

interface Delivery {
  readonly message: StoredMessage;
  deliveryCount: number;
  settled: boolean;
}

export interface DurableAttachment {
  readonly messages: AsyncIterable<DeliveredMessage>;
  /** Ends `messages` at once; deliveries already handed out can still be acked or naked. */
  stop(): void;
  /**
   * Detaches gracefully. With other attachments of the durable left, the same as stop(): they take
   * over what is left. As the last one, `messages` goes on until the durable has nothing ready,
   * delivered but unacknowledged, or waiting for redelivery, and ends then (or on stop()): nothing
   * else would ever deliver those messages. Returns whether it drains.
   */
  drain(): boolean;
}

/** One durable consumer: a queue of deliveries shared by every attachment (replica) of that name. */
export class MemoryDurable {
  ackWaitMs: number;
  readonly #ready: Delivery[] = [];
  /** Every delivery not settled yet: ready, handed out, or waiting for a redelivery delay. */
  readonly #unsettled = new Set<Delivery>();
  #attachments = 0;
  readonly #waiters = new Set<() => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #onAcknowledged: (message: StoredMessage) => void;

  constructor(ackWaitMs: number, onAcknowledged: (message: StoredMessage) => void) {
    this.ackWaitMs = ackWaitMs;
    this.#onAcknowledged = onAcknowledged;
  }

  /** Messages this durable has not acknowledged yet (ready, handed out, or waiting to be redelivered). */
  get unsettled(): number {
    return this.#unsettled.size;
  }

  enqueue(message: StoredMessage): void {
    const delivery: Delivery = { message, deliveryCount: 0, settled: false };
    this.#unsettled.add(delivery);
    this.#ready.push(delivery);
    this.#wake();
  }

  attach(): DurableAttachment {
    let state: 'open' | 'draining' | 'stopped' = 'open';
    this.#attachments += 1;
    const detach = () => {
      if (state === 'open') this.#attachments -= 1;
    };
    const durable = this;
    async function* deliveries(): AsyncGenerator<DeliveredMessage> {
      for (;;) {
        for (;;) {
          if (state === 'stopped') return;
          if (durable.#ready.length > 0) break;
          if (state === 'draining' && durable.#unsettled.size === 0) return;
          await durable.#changed();
        }
        yield durable.#deliver(durable.#ready.shift()!);
      }
    }
    return {
      messages: { [Symbol.asyncIterator]: deliveries },
      stop: () => {
        detach();
        state = 'stopped';
        this.#wake();
      },
      drain: () => {
        if (state !== 'open') return state === 'draining';
        detach();
        state = this.#attachments === 0 ? 'draining' : 'stopped';
        this.#wake();
        return state === 'draining';
      },
    };
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#wake();
  }

  #deliver(delivery: Delivery): DeliveredMessage {
    delivery.deliveryCount += 1;
    const attempt = delivery.deliveryCount;
    const isCurrent = () => !delivery.settled && delivery.deliveryCount === attempt;
    // Like JetStream's ack wait: a delivery nobody settles in time goes to the next reader.
    let ackTimer: NodeJS.Timeout | undefined = this.#schedule(this.ackWaitMs, () => {
      if (isCurrent()) this.#requeue(delivery);
    });
    const cancelAckTimer = () => {
      if (ackTimer !== undefined) this.#cancel(ackTimer);
      ackTimer = undefined;
    };
    const settle = () => {
      cancelAckTimer();
      if (delivery.settled) return;
      delivery.settled = true;
      // A late ack still counts, even when the ack wait already put the message back in line.
      const waiting = this.#ready.indexOf(delivery);
      if (waiting !== -1) this.#ready.splice(waiting, 1);
      this.#unsettled.delete(delivery);
      this.#onAcknowledged(delivery.message);
      // A draining attachment ends once nothing is left unsettled.
      this.#wake();
    };
    return {
      data: delivery.message.data,
      messageId: delivery.message.messageId,
      deliveryCount: attempt,
      context: delivery.message.context,
      ack: settle,
      term: settle,
      nak: (delayMs) => {
        if (!isCurrent()) return;
        cancelAckTimer();
        if (delayMs <= 0) this.#requeue(delivery);
        else this.#schedule(delayMs, () => this.#requeue(delivery));
      },
    };
  }

  #requeue(delivery: Delivery): void {
    if (delivery.settled || this.#ready.includes(delivery)) return;
    this.#ready.push(delivery);
    this.#wake();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  #wake(): void {
    for (const resolve of this.#waiters) resolve();
    this.#waiters.clear();
  }

  #schedule(delayMs: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    this.#timers.add(timer);
    return timer;
  }

  #cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.#timers.delete(timer);
  }
}
