export type * from './types.ts';
export type { BusLogger } from './logger.ts';
export { createBus } from './create-bus.ts';
export type { CreateBusOptions } from './create-bus.ts';
export { createNatsBus } from './nats-bus.ts';
export type { NatsBusOptions } from './nats-bus.ts';
export { createMemoryBus } from './memory-bus.ts';
export type { MemoryBusOptions } from './memory-bus.ts';
