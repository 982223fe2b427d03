import { defineStream } from '@gateway/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryBus } from './memory-bus.ts';
import type { Bus, DurableMessage } from './types.ts';
import { delay, recordingLogger } from '../test/recording-logger.ts';

const stream = defineStream({
  stream: 'DRAIN',
  subject: 'drain.v1.record',
  payload: z.object({ value: z.number() }),
  duplicateWindowMs: 60_000,
});


const count = 10;
const ids = Array.from({ length: count }, (_, index) => `m-${index}`);

async function publishAll(bus: Bus): Promise<void> {
  for (const [value, messageId] of ids.entries()) await bus.publishDurable(stream, { value }, { messageId });
}

describe('memory bus: stopping a durable consumer', () => {
  const opened: Bus[] = [];

  function open(options: { drainTimeoutMs?: number } = {}) {
    const logger = recordingLogger();
    const bus = createMemoryBus({ logger, ...options });
    opened.push(bus);
    return { bus, logger };
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });

  it('hands every message already in the stream to a slow handler, once each, before stop() resolves', async () => {
    const { bus, logger } = open();
    await bus.ensureStream(stream);
    const handed: string[] = [];
    const consumer = await bus.consumeDurable(stream, { durableName: 'slow', batchSize: 3, maxWaitMs: 500 }, async (batch) => {
      handed.push(...batch.map((message) => message.messageId));
      await delay(40);
    });
    await publishAll(bus);
    await consumer.stop();

    expect([...handed].sort()).toEqual([...ids].sort());
    expect(logger.entries.filter((entry) => entry.level !== 'info')).toEqual([]);
  });

  it('does not wait for a batch to fill while draining', async () => {
    const { bus } = open();
    await bus.ensureStream(stream);
    const handed: string[] = [];
    const consumer = await bus.consumeDurable(stream, { durableName: 'waits', batchSize: 100, maxWaitMs: 5000 }, async (batch) => {
      handed.push(...batch.map((message) => message.messageId));
    });
    await publishAll(bus);
    const started = Date.now();
    await consumer.stop();
    expect([...handed].sort()).toEqual([...ids].sort());
    // The read in progress when stop() was called may still wait out its window; no further one does.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('delivers again, while draining, a batch whose handler threw', async () => {
    const { bus } = open();
    await bus.ensureStream(stream);
    const calls: DurableMessage<{ value: number }>[][] = [];
    const consumer = await bus.consumeDurable(
      stream,
      { durableName: 'flaky', batchSize: 20, maxWaitMs: 20, redeliveryDelayMs: 30 },
      async (batch) => {
        calls.push(batch);
        if (calls.length === 1) throw new Error('database is down');
      },
    );
    await publishAll(bus);
    await consumer.stop();

    const deliveries = calls.flat();
    const acknowledged = calls.slice(1).flat().map((message) => message.messageId);
    expect([...acknowledged].sort()).toEqual([...ids].sort());
    expect(deliveries.filter((message) => message.deliveryCount > 1).length).toBe(calls[0]!.length);
  });

  it('gives up after the drain time limit and logs how many messages are dropped', async () => {
    const { bus, logger } = open({ drainTimeoutMs: 200 });
    await bus.ensureStream(stream);
    let calls = 0;
    const consumer = await bus.consumeDurable(
      stream,
      { durableName: 'broken', batchSize: 20, maxWaitMs: 20, redeliveryDelayMs: 20 },
      async () => {
        calls += 1;
        throw new Error('database is down');
      },
    );
    await publishAll(bus);
    const started = Date.now();
    await consumer.stop();
    const took = Date.now() - started;

    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
    expect(calls).toBeGreaterThan(1);
    const dropped = logger.entries.find((entry) => entry.level === 'error' && /dropp/i.test(entry.message));
    expect(dropped?.details).toMatchObject({ stream: 'DRAIN', durableName: 'broken', dropped: count, drainTimeoutMs: 200 });
  });

  it('leaves what is left to the other replicas of the durable, and the last one drains it', async () => {
    const { bus } = open();
    await bus.ensureStream(stream);
    const handed: string[] = [];
    const handler = async (batch: DurableMessage<{ value: number }>[]) => {
      handed.push(...batch.map((message) => message.messageId));
      await delay(20);
    };
    const options = { durableName: 'shared', batchSize: 2, maxWaitMs: 500 };
    const one = await bus.consumeDurable(stream, options, handler);
    const two = await bus.consumeDurable(stream, options, handler);
    await publishAll(bus);
    await one.stop();
    await two.stop();

    expect([...handed].sort()).toEqual([...ids].sort());
  });

  it('drains its consumers when the bus closes', async () => {
    const { bus } = open();
    await bus.ensureStream(stream);
    const handed: string[] = [];
    await bus.consumeDurable(stream, { durableName: 'closing', batchSize: 4, maxWaitMs: 500 }, async (batch) => {
      handed.push(...batch.map((message) => message.messageId));
      await delay(20);
    });
    await publishAll(bus);
    await bus.close();

    expect([...handed].sort()).toEqual([...ids].sort());
  });
});
