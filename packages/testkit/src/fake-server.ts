import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createFaultQueue, type FakeFault, type FaultQueue } from './fake-faults.ts';

/**
 * What every fake provider server shares: Fastify on 127.0.0.1, the recorded requests, the fault
 * queue, and the raw-response helpers that play faults (delays, hangs, cut and stalled streams).
 * Each fake keeps its protocol (routes, checks, bodies, events) in its own file.
 */

export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined. */
  body: unknown;
  /** Set once the client closed the connection before the fake finished its answer (it gave up or cancelled). */
  clientClosed?: true;
}

/** What every fake's options hold. */
export interface FakeServerOptions {
  /** Default: a random free port. */
  port?: number;
  /** Added before every answer. */
  latencyMs?: number;
}

/** What every fake offers its tests. */
export interface FakeProvider<Fault extends FakeFault> {
  /** The base URL its clients take (see each fake). */
  readonly url: string;
  /** The requests received, in order (also those answered with a fault or an auth error); the last 10 000. */
  readonly requests: RecordedRequest[];
  /** Queue faults for the next calls to API endpoints, one per call. */
  script(faults: Fault | Fault[]): void;
  /** Forget recorded requests and queued faults. */
  reset(): void;
  close(): Promise<void>;
}

/** How many received requests a fake keeps for assertions. */
export const maxRecordedRequests = 10_000;

export interface FakeServer<Fault extends FakeFault> {
  readonly app: FastifyInstance;
  /** The requests received, in order; the last `maxRecordedRequests`. */
  readonly requests: RecordedRequest[];
  readonly faults: FaultQueue<Fault>;
  /** Keeps a request for assertions. */
  record(recorded: RecordedRequest): RecordedRequest;
  /** Keeps a request with its path and query as URL parsing reads them. */
  recordParsed(request: FastifyRequest): RecordedRequest;
  /** Listens on 127.0.0.1 (a random free port unless one is given); resolves to `http://127.0.0.1:<port>`. */
  listen(port: number | undefined): Promise<string>;
  /** Forget recorded requests and faults. */
  reset(): void;
  close(): Promise<void>;
}

/** `name` only words the error of a server that got no TCP address, e.g. "fake Gemini server". */
export function createFakeServer<Fault extends FakeFault>(name: string): FakeServer<Fault> {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 50 * 1024 * 1024 });
  const requests: RecordedRequest[] = [];
  const faults = createFaultQueue<Fault>();

  function record(recorded: RecordedRequest): RecordedRequest {
    requests.push(recorded);
    // A long-running fake (npm run fake-provider, the benchmark) must not grow without bound.
    if (requests.length > maxRecordedRequests) requests.splice(0, requests.length - maxRecordedRequests);
    return recorded;
  }

  return {
    app,
    requests,
    faults,
    record,
    recordParsed(request) {
      const url = new URL(request.url, 'http://fake.invalid');
      return record({
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        body: request.body,
      });
    },
    async listen(port) {
      await app.listen({ host: '127.0.0.1', port: port ?? 0 });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error(`${name} has no TCP address`);
      return `http://127.0.0.1:${address.port}`;
    },
    reset() {
      requests.length = 0;
      faults.clear();
    },
    async close() {
      await app.close();
    },
  };
}

/** The raw answer of a call the fake writes itself, and a way to destroy its connection. */
export interface RawAnswer {
  response: ServerResponse;
  /** Destroy the connection (a scripted cut or reset). */
  destroy(): void;
}

/**
 * Takes the answer out of Fastify's hands. With `recorded`, a client that closes the connection
 * before the answer is finished is marked on it; the fake destroying its own connection is not.
 */
export function takeAnswer(reply: FastifyReply, recorded?: RecordedRequest): RawAnswer {
  reply.hijack();
  const response = reply.raw;
  let destroyedHere = false;
  if (recorded) {
    response.once('close', () => {
      if (!response.writableFinished && !destroyedHere) recorded.clientClosed = true;
    });
  }
  return {
    response,
    destroy() {
      destroyedHere = true;
      response.destroy();
    },
  };
}

/** Resolves true after `ms`, or false as soon as the client goes away. */
export function wait(ms: number, response: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!response.destroyed);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      response.off('close', onClose);
      resolve(true);
    }, ms);
    response.once('close', onClose);
  });
}

/**
 * Waits the server's latency and the fault's delay. False when the answer stops there: the client
 * went away, or the fault hangs (no answer ever).
 */
export async function waitBeforeAnswer(response: ServerResponse, latencyMs: number | undefined, fault: FakeFault): Promise<boolean> {
  if (!(await wait((latencyMs ?? 0) + (fault.delayMs ?? 0), response))) return false;
  return !fault.hang;
}

/** Resolves once the data is handed to the socket, so a slow client holds the stream back. */
export function write(response: ServerResponse, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => response.write(data, () => resolve()));
}

/** Content types of a JSON answer and of a string body (e.g. an HTML proxy page), per provider. */
export interface BodyTypes {
  json: string;
  text: string;
}

const defaultBodyTypes: BodyTypes = { json: 'application/json', text: 'text/html; charset=utf-8' };

/** Answers at once: an object as JSON, a string as it is. */
export function sendJson(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  types: BodyTypes = defaultBodyTypes,
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? types.text : types.json;
  response.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * Whether the fault stops the stream once `sent` events are out: `cutStreamAfterChunks` destroys the
 * connection, `stallStreamAfterChunks` leaves it open and silent.
 */
export function streamStops(fault: FakeFault, sent: number, destroy: () => void): boolean {
  if (fault.cutStreamAfterChunks !== undefined && sent >= fault.cutStreamAfterChunks) {
    destroy();
    return true;
  }
  return fault.stallStreamAfterChunks !== undefined && sent >= fault.stallStreamAfterChunks;
}

/**
 * Writes a stream's encoded events one by one as the fault allows (see `streamStops`), stopping when
 * the client went away. Resolves true when every event went out. `checkAfterLast` lets a cut or stall
 * counted to the last event still apply after it, for streams the fake goes on to close in their own way.
 */
export async function sendEvents(
  answer: RawAnswer,
  fault: FakeFault,
  events: Array<string | Uint8Array>,
  checkAfterLast = false,
): Promise<boolean> {
  const { response, destroy } = answer;
  let sent = 0;
  for (const event of events) {
    if (streamStops(fault, sent, destroy) || response.destroyed) return false;
    await write(response, event);
    sent += 1;
  }
  return !(checkAfterLast && streamStops(fault, sent, destroy));
}
