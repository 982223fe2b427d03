import type { z } from 'zod';

/**
 * A request/reply endpoint of a NATS service. The subject is `<group>.<name>` (e.g. `router.v1.plan`);
 * the service name and version are what `$SRV.INFO` reports.
 */
export interface Endpoint<Request extends z.ZodType = z.ZodType, Response extends z.ZodType = z.ZodType> {
  readonly service: string;
  readonly version: string;
  readonly group: string;
  readonly name: string;
  readonly subject: string;
  readonly request: Request;
  readonly response: Response;
}

export function defineEndpoint<Request extends z.ZodType, Response extends z.ZodType>(definition: {
  service: string;
  version: string;
  group: string;
  name: string;
  request: Request;
  response: Response;
}): Endpoint<Request, Response> {
  return { ...definition, subject: `${definition.group}.${definition.name}` };
}

/** A fire-and-forget event on core NATS (not durable). */
export interface EventTopic<Payload extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly payload: Payload;
}

export function defineEvent<Payload extends z.ZodType>(subject: string, payload: Payload): EventTopic<Payload> {
  return { subject, payload };
}

/** A durable JetStream stream: published with a message id for de-duplication, consumed with acks. */
export interface DurableStream<Payload extends z.ZodType = z.ZodType> {
  readonly stream: string;
  readonly subject: string;
  readonly payload: Payload;
  /** How long JetStream remembers message ids for de-duplication. */
  readonly duplicateWindowMs: number;
  /** Messages older than this are dropped even if unacknowledged (bounds the stream's size). */
  readonly maxAgeMs?: number;
}

export function defineStream<Payload extends z.ZodType>(definition: DurableStream<Payload>): DurableStream<Payload> {
  return definition;
}

export type RequestOf<E extends Endpoint> = z.infer<E['request']>;
export type ResponseOf<E extends Endpoint> = z.infer<E['response']>;
export type PayloadOf<T extends EventTopic | DurableStream> = z.infer<T['payload']>;
