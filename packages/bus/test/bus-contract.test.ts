import { context, trace } from '@opentelemetry/api';
import { defineEndpoint, defineEvent, defineStream, GatewayError, headerNames } from '@gateway/contracts';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Svcm } from '@nats-io/services';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { uniqueName } from '../../testkit/src/test-env.ts';
import { createMemoryBus, createNatsBus } from '../src/index.ts';
import type { Bus, DurableMessage, MessageContext, ServiceHandle } from '../src/index.ts';
import { sampleSpanContext, useTestTelemetry } from './test-telemetry.ts';
import { delay, recordingLogger } from './recording-logger.ts';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
/** One namespace per run of this file: parallel runs and other suites share the NATS server. */
const namespace = uniqueName('bus');

const echo = defineEndpoint({
  service: 'echo',
  version: '1.0.0',
  group: 'echo.v1',
  name: 'say',
  request: z.object({ text: z.string() }),
  response: z.object({ text: z.string() }),
});

const noticed = defineEvent('notice.v1.posted', z.object({ text: z.string() }));

function testStream(name: string) {
  return defineStream({
    stream: `TEST_${name.toUpperCase()}`,
    subject: `test.v1.${name}`,
    payload: z.object({ value: z.number() }),
    duplicateWindowMs: 60_000,
  });
}


async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(20);
    }
  }
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a rejection');
}

/** A service side and a caller side: two connections on NATS, one bus in process. */
interface BusPair {
  caller: Bus;
  service: Bus;
  logger: ReturnType<typeof recordingLogger>;
}

const implementations: { kind: 'memory' | 'nats'; open(): Promise<BusPair> }[] = [
  {
    kind: 'memory',
    open: async () => {
      const logger = recordingLogger();
      const bus = createMemoryBus({ logger });
      return { caller: bus, service: bus, logger };
    },
  },
  {
    kind: 'nats',
    open: async () => {
      const logger = recordingLogger();
      const [caller, service] = await Promise.all([
        createNatsBus({ url: natsUrl, name: 'bus-contract-caller', namespace, logger }),
        createNatsBus({ url: natsUrl, name: 'bus-contract-service', namespace, logger }),
      ]);
      return { caller, service, logger };
    },
  },
];

describe.each(implementations)('$kind bus contract', ({ kind, open }) => {
  let buses: BusPair;
  const served: ServiceHandle[] = [];

  async function serveEcho(handler: (text: string, context: MessageContext) => Promise<{ text: string }>) {
    const handle = await buses.service.serve({
      name: 'echo',
      version: '1.0.0',
      endpoints: [{ endpoint: echo, handler: (request, messageContext) => handler(request.text, messageContext) }],
    });
    served.push(handle);
    return handle;
  }

  beforeAll(async () => {
    buses = await open();
  });

  afterEach(async () => {
    await Promise.all(served.splice(0).map((handle) => handle.stop()));
  });

  afterAll(async () => {
    await buses.caller.close();
    await buses.service.close();
  });

  it('reports its kind and a live connection', async () => {
    expect(buses.caller.kind).toBe(kind);
    expect(buses.caller.status()).toMatchObject({ kind, connected: true });
    await buses.caller.ping();
  });

  it('answers a request with the handler result', async () => {
    await serveEcho(async (text) => ({ text: text.toUpperCase() }));
    await expect(buses.caller.request(echo, { text: 'hello' })).resolves.toEqual({ text: 'HELLO' });
  });

  it('rethrows a GatewayError from an async handler with its code, message, source, param and retry-after', async () => {
    await serveEcho(async () => {
      await delay(5);
      throw new GatewayError('model_not_found', 'No model named gpt-9', { source: 'router', param: 'model', retryAfterSeconds: 3 });
    });
    const error = await rejection(buses.caller.request(echo, { text: 'x' }));
    expect(error).toMatchObject({ code: 'model_not_found', message: 'No model named gpt-9', source: 'router', param: 'model', retryAfterSeconds: 3 });
  });

  it('turns any other handler error into internal_error without its internal message', async () => {
    await serveEcho(async () => {
      throw new Error('connection to 10.0.0.7 refused: password=hunter2');
    });
    const error = await rejection(buses.caller.request(echo, { text: 'x' }));
    expect(error.code).toBe('internal_error');
    expect(error.message).toBe('The echo service failed');
    expect(error.message).not.toContain('hunter2');
    await eventually(() =>
      expect(buses.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'Service handler failed' })),
    );
  });

  it('rejects an invalid request payload as invalid_request', async () => {
    await serveEcho(async (text) => ({ text }));
    const error = await rejection(buses.caller.request(echo, { text: 42 } as unknown as { text: string }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('text');
  });

  it('answers an invalid handler response with internal_error', async () => {
    await serveEcho(async () => ({ text: 7 }) as unknown as { text: string });
    const error = await rejection(buses.caller.request(echo, { text: 'x' }));
    expect(error.code).toBe('internal_error');
  });

  it('fails fast with dependency_unavailable when no service answers', async () => {
    const started = Date.now();
    const error = await rejection(buses.caller.request(echo, { text: 'x' }, { timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'dependency_unavailable', message: 'The echo service did not answer', source: 'bus' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('turns a timeout into dependency_unavailable', async () => {
    await serveEcho(async (text) => {
      await delay(1000);
      return { text };
    });
    const started = Date.now();
    const error = await rejection(buses.caller.request(echo, { text: 'x' }, { timeoutMs: 200 }));
    expect(error.code).toBe('dependency_unavailable');
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('hands the request id and trace context to the handler', async () => {
    let received: MessageContext | undefined;
    await serveEcho(async (text, messageContext) => {
      received = messageContext;
      return { text };
    });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await buses.caller.request(
      echo,
      { text: 'x' },
      { context: { requestId: 'req-123', traceparent, tracestate: 'vendor=1' } },
    );
    expect(received).toEqual({ requestId: 'req-123', traceparent, tracestate: 'vendor=1' });
  });

  it('carries the active OpenTelemetry span into the handler context', async () => {
    const removeTelemetry = useTestTelemetry();
    try {
      let handlerTraceId: string | undefined;
      let receivedTraceparent: string | undefined;
      await serveEcho(async (text, messageContext) => {
        handlerTraceId = trace.getSpanContext(context.active())?.traceId;
        receivedTraceparent = messageContext.traceparent;
        return { text };
      });
      const callerContext = trace.setSpanContext(context.active(), sampleSpanContext);
      await context.with(callerContext, () => buses.caller.request(echo, { text: 'x' }));
      expect(receivedTraceparent).toBe(`00-${sampleSpanContext.traceId}-${sampleSpanContext.spanId}-01`);
      expect(handlerTraceId).toBe(sampleSpanContext.traceId);
    } finally {
      removeTelemetry();
    }
  });

  it('spreads requests over the replicas of a service', async () => {
    const counts = [0, 0];
    for (const replica of [0, 1]) {
      served.push(
        await buses.service.serve({
          name: 'echo',
          version: '1.0.0',
          endpoints: [
            {
              endpoint: echo,
              handler: async (request: { text: string }) => {
                counts[replica] = (counts[replica] ?? 0) + 1;
                return request;
              },
            },
          ],
        }),
      );
    }
    await Promise.all(Array.from({ length: 40 }, (_, index) => buses.caller.request(echo, { text: `${index}` })));
    expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(40);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('answers requests already taken when a service stops', async () => {
    const handle = await serveEcho(async (text) => {
      await delay(200);
      return { text };
    });
    const answer = buses.caller.request(echo, { text: 'late' });
    await delay(50);
    await handle.stop();
    await expect(answer).resolves.toEqual({ text: 'late' });
  });

  it('delivers events to subscribers with their context', async () => {
    const received: { text: string; requestId: string | undefined }[] = [];
    const subscription = buses.service.subscribe(noticed, (payload, messageContext) => {
      received.push({ text: payload.text, requestId: messageContext.requestId });
    });
    try {
      if (kind === 'nats') await delay(100);
      buses.caller.publish(noticed, { text: 'one' }, { requestId: 'req-event' });
      expect(received).toEqual([]);
      await eventually(() => expect(received).toEqual([{ text: 'one', requestId: 'req-event' }]));
    } finally {
      subscription.unsubscribe();
    }
  });

  it('refuses to publish an event that breaks its schema', () => {
    expect(() => buses.caller.publish(noticed, { text: 1 } as unknown as { text: string })).toThrow(GatewayError);
  });

  it('stores a durable message once per message id and delivers it once', async () => {
    const stream = testStream('dedupe');
    await buses.service.ensureStream(stream);
    await buses.caller.ensureStream(stream);
    const first = await buses.caller.publishDurable(stream, { value: 1 }, { messageId: 'usage-1', context: { requestId: 'req-1' } });
    const second = await buses.caller.publishDurable(stream, { value: 1 }, { messageId: 'usage-1' });
    expect(first).toEqual({ duplicate: false });
    expect(second).toEqual({ duplicate: true });

    const delivered: DurableMessage<{ value: number }>[] = [];
    const consumer = await buses.service.consumeDurable(stream, { durableName: 'dedupe', maxWaitMs: 50 }, async (batch) => {
      delivered.push(...batch);
    });
    try {
      await eventually(() => expect(delivered).toHaveLength(1));
      await delay(300);
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toMatchObject({ data: { value: 1 }, messageId: 'usage-1', deliveryCount: 1 });
      expect(delivered[0]?.context.requestId).toBe('req-1');
    } finally {
      await consumer.stop();
    }
  });

  it('redelivers a batch whose handler threw, then acknowledges it', async () => {
    const stream = testStream('redelivery');
    await buses.service.ensureStream(stream);
    const calls: { value: number; deliveryCount: number }[][] = [];
    const consumer = await buses.service.consumeDurable(
      stream,
      { durableName: 'redelivery', maxWaitMs: 100, redeliveryDelayMs: 100 },
      async (batch) => {
        calls.push(batch.map((message) => ({ value: message.data.value, deliveryCount: message.deliveryCount })));
        if (calls.length === 1) throw new Error('database is down');
      },
    );
    try {
      await buses.caller.publishDurable(stream, { value: 1 }, { messageId: 'a' });
      await buses.caller.publishDurable(stream, { value: 2 }, { messageId: 'b' });
      await eventually(() => expect(calls.length).toBeGreaterThanOrEqual(2));
      await delay(400);
      const deliveries = calls.flat();
      expect(deliveries.filter((delivery) => delivery.deliveryCount === 1).map((delivery) => delivery.value).sort()).toEqual([1, 2]);
      expect(deliveries.filter((delivery) => delivery.deliveryCount === 2).map((delivery) => delivery.value).sort()).toEqual([1, 2]);
      expect(deliveries).toHaveLength(4);
    } finally {
      await consumer.stop();
    }
  });

  it('hands a batch to the handler once it is full', async () => {
    const stream = testStream('batches');
    await buses.service.ensureStream(stream);
    for (let value = 0; value < 5; value += 1) {
      await buses.caller.publishDurable(stream, { value }, { messageId: `m-${value}` });
    }
    const sizes: number[] = [];
    const consumer = await buses.service.consumeDurable(
      stream,
      { durableName: 'batches', batchSize: 2, maxWaitMs: 2000 },
      async (batch) => {
        sizes.push(batch.length);
      },
    );
    try {
      await eventually(() => expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(5), 4000);
      expect(sizes.slice(0, 2)).toEqual([2, 2]);
    } finally {
      await consumer.stop();
    }
  });

  it('stops consuming when stopped and resumes with the same durable', async () => {
    const stream = testStream('resume');
    await buses.service.ensureStream(stream);
    const seen: number[] = [];
    const handler = async (batch: DurableMessage<{ value: number }>[]) => {
      seen.push(...batch.map((message) => message.data.value));
    };
    // A pull still open at the server when the first consumer stops may take message 2 with it; JetStream
    // then redelivers it after the ack wait, so the wait is short here to keep the test quick.
    const first = await buses.service.consumeDurable(stream, { durableName: 'resume', maxWaitMs: 20, ackWaitMs: 1000 }, handler);
    await buses.caller.publishDurable(stream, { value: 1 }, { messageId: 'r-1' });
    await eventually(() => expect(seen).toEqual([1]));
    await first.stop();

    await buses.caller.publishDurable(stream, { value: 2 }, { messageId: 'r-2' });
    await delay(200);
    expect(seen).toEqual([1]);

    const second = await buses.service.consumeDurable(stream, { durableName: 'resume', maxWaitMs: 20, ackWaitMs: 1000 }, handler);
    try {
      await eventually(() => expect(seen).toEqual([1, 2]));
    } finally {
      await second.stop();
    }
  });

  it('refuses to publish to or consume from a stream that was never created', async () => {
    const missing = testStream('missing');
    const published = await rejection(buses.caller.publishDurable(missing, { value: 1 }, { messageId: 'x' }));
    expect(published.code).toBe('dependency_unavailable');
    const consumed = await rejection(buses.service.consumeDurable(missing, { durableName: 'missing' }, async () => {}));
    expect(consumed.code).toBe('dependency_unavailable');
  });
});

describe('nats bus only', () => {
  let raw: NatsConnection;
  let bus: Bus;
  const logger = recordingLogger();
  const createdStreams: string[] = [];

  beforeAll(async () => {
    raw = await connect({ servers: natsUrl, name: 'bus-contract-raw' });
    bus = await createNatsBus({ url: natsUrl, name: 'bus-contract-nats', namespace, logger });
  });

  afterAll(async () => {
    const manager = await jetstreamManager(raw);
    const names = ['dedupe', 'redelivery', 'batches', 'resume', 'naming'].map((name) => `${namespace}_TEST_${name.toUpperCase()}`);
    for (const name of [...names, ...createdStreams]) {
      await manager.streams.delete(name).catch(() => false);
    }
    await bus.close();
    await raw.drain();
  });

  it('is discoverable through $SRV.INFO and $SRV.PING with its endpoint', async () => {
    const handle = await bus.serve({ name: 'echo', version: '1.2.3', description: 'Echoes', endpoints: [{ endpoint: echo, handler: async (request: { text: string }) => request }] });
    try {
      const client = new Svcm(raw as unknown as ConstructorParameters<typeof Svcm>[0]).client();
      const infos = [];
      for await (const info of await client.info('echo')) infos.push(info);
      const ours = infos.find((info) => info.metadata?.namespace === namespace);
      expect(ours).toMatchObject({
        name: 'echo',
        version: '1.2.3',
        description: 'Echoes',
        endpoints: [{ name: 'say', subject: `${namespace}.echo.v1.say`, queue_group: 'echo' }],
      });
      const pings = [];
      for await (const ping of await client.ping('echo')) pings.push(ping);
      expect(pings.map((ping) => ping.id)).toContain(ours?.id);
    } finally {
      await handle.stop();
    }
  });

  it('answers a malformed request with NATS micro and gateway error headers', async () => {
    const handle = await bus.serve({ name: 'echo', version: '1.0.0', endpoints: [{ endpoint: echo, handler: async (request: { text: string }) => request }] });
    try {
      const reply = await raw.request(`${namespace}.echo.v1.say`, 'not json', { timeout: 2000 });
      expect(reply.headers?.get(headerNames.serviceErrorCode)).toBe('400');
      expect(reply.headers?.get(headerNames.gatewayErrorCode)).toBe('invalid_request');
      expect(reply.headers?.get(headerNames.serviceError)).toContain('not JSON');
    } finally {
      await handle.stop();
    }
  });

  it('drops and logs an event that breaks its schema', async () => {
    const received: unknown[] = [];
    const subscription = bus.subscribe(noticed, (payload) => {
      received.push(payload);
    });
    try {
      await delay(100);
      raw.publish(`${namespace}.${noticed.subject}`, JSON.stringify({ text: 5 }));
      raw.publish(`${namespace}.${noticed.subject}`, JSON.stringify({ text: 'fine' }));
      await eventually(() => expect(received).toEqual([{ text: 'fine' }]));
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ level: 'warn', message: 'Dropping an event that does not match its schema' }),
      );
    } finally {
      subscription.unsubscribe();
    }
  });

  it('terminates a durable message that breaks its schema and goes on', async () => {
    const stream = testStream('poison');
    createdStreams.push(`${namespace}_${stream.stream}`);
    await bus.ensureStream(stream);
    const client = (await import('@nats-io/jetstream')).jetstream(raw);
    await client.publish(`${namespace}.${stream.subject}`, JSON.stringify({ value: 'nope' }), { msgID: 'bad' });
    await bus.publishDurable(stream, { value: 3 }, { messageId: 'good' });
    const values: number[] = [];
    const consumer = await bus.consumeDurable(stream, { durableName: 'poison', maxWaitMs: 50 }, async (batch) => {
      values.push(...batch.map((message) => message.data.value));
    });
    try {
      await eventually(() => expect(values).toEqual([3]));
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ message: 'Dropping a durable message that does not match its schema' }),
      );
      const manager = await jetstreamManager(raw);
      await eventually(async () => {
        const info = await manager.consumers.info(`${namespace}_${stream.stream}`, 'poison');
        expect(info.num_ack_pending).toBe(0);
      });
    } finally {
      await consumer.stop();
    }
  });

  it('names streams and subjects inside its namespace', async () => {
    const stream = testStream('naming');
    await bus.ensureStream(stream);
    const manager = await jetstreamManager(raw);
    const info = await manager.streams.info(`${namespace}_${stream.stream}`);
    expect(info.config.subjects).toEqual([`${namespace}.${stream.subject}`]);
    expect(info.config.duplicate_window).toBe(60_000 * 1_000_000);
    expect(info.config.storage).toBe('file');
    expect(info.config.num_replicas).toBe(1);
  });

  it('creates streams with the replicas it is given, and says plainly when the server cannot keep them', async () => {
    const stream = testStream('replicated');
    createdStreams.push(`${namespace}_${stream.stream}`);
    await bus.ensureStream(stream);
    // This machine runs one NATS server: three replicas need a JetStream cluster.
    const replicated = await createNatsBus({ url: natsUrl, name: 'bus-contract-replicas', namespace, streamReplicas: 3, logger });
    try {
      const error = await rejection(replicated.ensureStream(stream));
      expect(error.code).toBe('dependency_unavailable');
      expect(error.message).toBe(
        'The TEST_REPLICATED stream asks for 3 replicas (NATS_STREAM_REPLICAS) but the NATS server is not part of a JetStream cluster; use 1 with a single server',
      );
      const fresh = testStream('replicated_new');
      createdStreams.push(`${namespace}_${fresh.stream}`);
      expect((await rejection(replicated.ensureStream(fresh))).code).toBe('dependency_unavailable');
    } finally {
      await replicated.close();
    }
    const manager = await jetstreamManager(raw);
    expect((await manager.streams.info(`${namespace}_${stream.stream}`)).config.num_replicas).toBe(1);
  });

  it('keeps buses of different namespaces apart', async () => {
    const other = await createNatsBus({ url: natsUrl, name: 'bus-contract-other', namespace: `${namespace}_other`, logger });
    try {
      const handle = await bus.serve({ name: 'echo', version: '1.0.0', endpoints: [{ endpoint: echo, handler: async (request: { text: string }) => request }] });
      const heard: unknown[] = [];
      const subscription = bus.subscribe(noticed, (payload) => {
        heard.push(payload);
      });
      try {
        const error = await rejection(other.request(echo, { text: 'x' }, { timeoutMs: 1000 }));
        expect(error.code).toBe('dependency_unavailable');
        other.publish(noticed, { text: 'elsewhere' });
        await delay(200);
        expect(heard).toEqual([]);
        await expect(bus.request(echo, { text: 'here' })).resolves.toEqual({ text: 'here' });
      } finally {
        subscription.unsubscribe();
        await handle.stop();
      }
    } finally {
      await other.close();
    }
  });
});
