import { providerErrorFromException, providerErrorFromStatus } from '../errors.ts';
import type { UpstreamClient, UpstreamResponse } from '../http.ts';

/**
 * POSTs an already serialised body (the bytes that were signed) through the client's dispatcher, like
 * `postJson` in ../http.ts does for bodies it serialises itself: resolves with a 2xx response (body
 * unread), throws a mapped ProviderError otherwise. Bedrock's errors are `{"message": …}` with the
 * type in `x-amzn-errortype`, which providerErrorFromStatus reads by status and `message`.
 */
export async function postBody(
  client: UpstreamClient,
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
): Promise<UpstreamResponse> {
  const target = new URL(url);
  let response: UpstreamResponse;
  try {
    response = await client.dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers,
      body,
      signal: signal ?? null,
    });
  } catch (error) {
    throw providerErrorFromException(client, error, signal, 'connect');
  }
  if (response.statusCode < 200 || response.statusCode > 299) {
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw providerErrorFromException(client, error, signal, 'read');
    }
    throw providerErrorFromStatus(client, response.statusCode, response.headers, text);
  }
  return response;
}
