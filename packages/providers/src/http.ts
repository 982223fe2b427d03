import type { z } from 'zod';
import { ProviderError, providerErrorFromException, providerErrorFromStatus, type UpstreamFailureContext } from './errors.ts';
import type { FetchFunction } from './types.ts';

/** What an adapter needs to call its upstream and to report failures safely. */
export interface UpstreamClient extends UpstreamFailureContext {
  fetch: FetchFunction;
}

/** POSTs JSON; resolves with a 2xx response (body unread), throws a mapped ProviderError otherwise. */
export async function postJson(
  client: UpstreamClient,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<Response> {
  let response: Response;
  try {
    response = await client.fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: signal ?? null });
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'connect');
  }
  if (!response.ok) {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw providerErrorFromException(client, error, signal, 'read');
    }
    throw providerErrorFromStatus(client, response.status, response.headers, text);
  }
  return response;
}

/** Reads a JSON body and checks it against a (tolerant) schema of what the provider answers. */
export async function readJson<Schema extends z.ZodType>(
  client: UpstreamClient,
  response: Response,
  schema: Schema,
  signal: AbortSignal | undefined,
): Promise<z.infer<Schema>> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'read');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidAnswer(client, response.status, 'invalid JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidAnswer(client, response.status, 'a body of an unexpected shape');
  return parsed.data;
}

export function invalidAnswer(client: UpstreamClient, status: number | undefined, what: string): ProviderError {
  return new ProviderError('provider_error', `provider ${client.provider} answered with ${what}`, {
    provider: client.provider,
    retryable: true,
    ...(status === undefined ? {} : { upstreamStatus: status }),
  });
}
