import { Agent, type Dispatcher } from 'undici';

/**
 * The dispatcher adapters use unless given one: a shared undici Agent, one keep-alive pool per origin.
 * Adapters call its lower-level `request()` directly (no WHATWG fetch, Request/Response/Headers or web
 * streams on the hot path). There is no body timeout, since a long generation may pause between
 * stream chunks for a while; the executor owns timeouts (per attempt, and between stream chunks)
 * through one abort signal per attempt. The headers timeout stays as a safety net for callers that
 * pass no signal; it only bounds the wait for the status line, never a stream that is flowing.
 */
let agent: Agent | undefined;

export function sharedDispatcher(): Dispatcher {
  agent ??= new Agent({
    connections: 256,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 300_000,
    bodyTimeout: 0,
    connect: { timeout: 10_000 },
  });
  return agent;
}

/** Closes the shared pool (graceful shutdown); a later call opens a new one. */
export async function closeSharedDispatcher(): Promise<void> {
  const closing = agent;
  agent = undefined;
  await closing?.close();
}
