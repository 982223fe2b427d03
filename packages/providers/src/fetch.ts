import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchFunction } from './types.ts';

/**
 * The fetch adapters use unless given one: undici with a shared keep-alive pool. There is no body
 * timeout, since a long generation may pause between stream chunks for a while; the executor owns
 * timeouts (per attempt, and between stream chunks) through abort signals. The headers timeout stays
 * as a safety net for callers that pass no signal.
 */
let agent: Agent | undefined;

function sharedAgent(): Agent {
  agent ??= new Agent({
    connections: 256,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 300_000,
    bodyTimeout: 0,
    connect: { timeout: 10_000 },
  });
  return agent;
}

export const defaultFetch: FetchFunction = ((input: Parameters<FetchFunction>[0], init?: Parameters<FetchFunction>[1]) =>
  undiciFetch(input as Parameters<typeof undiciFetch>[0], {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher: sharedAgent(),
  })) as unknown as FetchFunction;

/** Closes the shared pool (graceful shutdown); a later call opens a new one. */
export async function closeDefaultFetch(): Promise<void> {
  const closing = agent;
  agent = undefined;
  await closing?.close();
}
