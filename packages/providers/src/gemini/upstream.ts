import { providerErrorFromException, providerErrorFromStatus } from '../errors.ts';
import type { UpstreamClient, UpstreamResponse } from '../http.ts';

/**
 * Google answers a wrong API key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID), which would read as
 * the client's mistake and show Google's words; it is the gateway's credential that failed, so it is
 * mapped as a 401 would be. Only the body's `error.details[].reason` is read, never echoed.
 */
function isInvalidApiKey(bodyText: string): boolean {
  try {
    const body = JSON.parse(bodyText) as { error?: { details?: Array<{ reason?: unknown }> } };
    return (body.error?.details ?? []).some((detail) => detail.reason === 'API_KEY_INVALID');
  } catch {
    return false;
  }
}

function splitUrl(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/** POSTs JSON; resolves with a 2xx response (body unread), throws a mapped ProviderError otherwise. */
export async function postGemini(
  client: UpstreamClient,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<UpstreamResponse> {
  const { origin, path } = splitUrl(url);
  let response: UpstreamResponse;
  try {
    response = await client.dispatcher.request({ origin, path, method: 'POST', headers, body: JSON.stringify(body), signal: signal ?? null });
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'connect');
  }
  if (response.statusCode >= 200 && response.statusCode <= 299) return response;
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'read');
  }
  const status = response.statusCode === 400 && isInvalidApiKey(text) ? 401 : response.statusCode;
  throw providerErrorFromStatus(client, status, response.headers, text);
}
