import type { BusLogger } from './logger.ts';
import { createMemoryBus } from './memory-bus.ts';
import { createNatsBus } from './nats-bus.ts';
import type { Bus } from './types.ts';

export interface CreateBusOptions {
  /** NATS server URL; without it the gateway runs on the in-process bus (embedded mode). */
  natsUrl?: string;
  name: string;
  namespace?: string;
  /** How many JetStream servers keep each message of the streams this bus creates (NATS only). */
  streamReplicas?: number;
  logger?: BusLogger;
}

export async function createBus(options: CreateBusOptions): Promise<Bus> {
  if (options.natsUrl === undefined || options.natsUrl === '') {
    return createMemoryBus(options.logger === undefined ? {} : { logger: options.logger });
  }
  return createNatsBus({
    url: options.natsUrl,
    name: options.name,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.streamReplicas === undefined ? {} : { streamReplicas: options.streamReplicas }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}
