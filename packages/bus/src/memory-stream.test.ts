import { defineStream } from '@gateway/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { DeliveredMessage } from './durable-consumer-loop.ts';
import { MemoryStream, maxRememberedMessageIds } from './memory-stream.ts';
import type { DurableAttachment } from './memory-stream.ts';

const definition = defineStream({
  stream: 'UNIT',
  subject: 'unit.v1.record',
  payload: z.object({ value: z.number() }),
  duplicateWindowMs: 1000,
});

const data = new TextEncoder().encode('{"value":1}');

async function take(attachment: DurableAttachment): Promise<DeliveredMessage> {
  const result = await attachment.messages[Symbol.asyncIterator]().next();
  if (result.done) throw new Error('the stream ended');
  return result.value;
}

describe('MemoryStream', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forgets message ids once the duplicate window has passed', () => {
    vi.useFakeTimers();
    const stream = new MemoryStream(definition);
    expect(stream.publish(data, 'a', {})).toEqual({ duplicate: false });
    vi.advanceTimersByTime(999);
    expect(stream.publish(data, 'a', {})).toEqual({ duplicate: true });
    vi.advanceTimersByTime(2);
    expect(stream.publish(data, 'a', {})).toEqual({ duplicate: false });
  });

  it('delivers again a message left unacknowledged past the ack wait', async () => {
    vi.useFakeTimers();
    const stream = new MemoryStream(definition);
    const attachment = stream.durable('ledger', 100).attach();
    stream.publish(data, 'a', {});
    const first = await take(attachment);
    expect(first.deliveryCount).toBe(1);
    const second = take(attachment);
    await vi.advanceTimersByTimeAsync(100);
    await expect(second).resolves.toMatchObject({ messageId: 'a', deliveryCount: 2 });
    stream.close();
  });

  it('ignores a nak from a delivery that was already superseded', async () => {
    vi.useFakeTimers();
    const stream = new MemoryStream(definition);
    const attachment = stream.durable('ledger', 100).attach();
    stream.publish(data, 'a', {});
    const first = await take(attachment);
    const second = take(attachment);
    await vi.advanceTimersByTimeAsync(100);
    const redelivered = await second;
    first.nak(0);
    redelivered.ack();
    const next = attachment.messages[Symbol.asyncIterator]().next();
    await vi.advanceTimersByTimeAsync(500);
    attachment.stop();
    await expect(next).resolves.toMatchObject({ done: true });
    stream.close();
  });

  it('shares one durable between attachments and gives each message to one of them', async () => {
    const stream = new MemoryStream(definition);
    const one = stream.durable('ledger', 30_000).attach();
    const two = stream.durable('ledger', 30_000).attach();
    stream.publish(data, 'a', {});
    stream.publish(data, 'b', {});
    const [first, second] = await Promise.all([take(one), take(two)]);
    expect([first.messageId, second.messageId].sort()).toEqual(['a', 'b']);
    one.stop();
    two.stop();
    stream.close();
  });

  it('gives a new durable the messages not yet acknowledged by every existing one', async () => {
    const stream = new MemoryStream(definition);
    stream.publish(data, 'before-any-durable', {});
    const ledger = stream.durable('ledger', 30_000).attach();
    (await take(ledger)).ack();
    stream.publish(data, 'after-ack', {});
    const audit = stream.durable('audit', 30_000).attach();
    await expect(take(audit)).resolves.toMatchObject({ messageId: 'after-ack' });
    ledger.stop();
    audit.stop();
    stream.close();
  });

  it('keeps a draining last attachment going until every message is acknowledged', async () => {
    const stream = new MemoryStream(definition);
    const durable = stream.durable('ledger', 30_000);
    const attachment = durable.attach();
    stream.publish(data, 'a', {});
    stream.publish(data, 'b', {});
    const iterator = attachment.messages[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(attachment.drain()).toBe(true);
    const second = await iterator.next();
    expect(second).toMatchObject({ done: false, value: { messageId: 'b' } });
    (second.value as DeliveredMessage).nak(0);
    const again = await iterator.next();
    expect(again).toMatchObject({ done: false, value: { messageId: 'b', deliveryCount: 2 } });

    let ended = false;
    const end = iterator.next().then((result) => {
      ended = true;
      return result;
    });
    (first.value as DeliveredMessage).ack();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ended).toBe(false);
    expect(durable.unsettled).toBe(1);
    (again.value as DeliveredMessage).ack();
    await expect(end).resolves.toMatchObject({ done: true });
    expect(durable.unsettled).toBe(0);
    stream.close();
  });

  it('does not drain an attachment while another one of the durable remains', async () => {
    const stream = new MemoryStream(definition);
    const one = stream.durable('ledger', 30_000).attach();
    const two = stream.durable('ledger', 30_000).attach();
    stream.publish(data, 'a', {});
    expect(one.drain()).toBe(false);
    await expect(one.messages[Symbol.asyncIterator]().next()).resolves.toMatchObject({ done: true });
    await expect(take(two)).resolves.toMatchObject({ messageId: 'a' });
    two.stop();
    stream.close();
  });

  it('ends an attachment that is stopped while it waits', async () => {
    const stream = new MemoryStream(definition);
    const attachment = stream.durable('ledger', 30_000).attach();
    const next = attachment.messages[Symbol.asyncIterator]().next();
    attachment.stop();
    await expect(next).resolves.toMatchObject({ done: true });
    stream.close();
  });
});

describe('MemoryStream id memory', () => {
  it('forgets the oldest message ids beyond its bound, so memory stays flat under load', () => {
    const stream = new MemoryStream({ ...definition, duplicateWindowMs: 24 * 60 * 60 * 1000 });
    const data = new Uint8Array();
    for (let index = 0; index <= maxRememberedMessageIds; index++) stream.publish(data, `id-${index}`, {});
    // The newest ids are still de-duplicated; the very first one has been forgotten.
    expect(stream.publish(data, `id-${maxRememberedMessageIds}`, {})).toEqual({ duplicate: true });
    expect(stream.publish(data, 'id-0', {})).toEqual({ duplicate: false });
  });
});
