import type { FakeUsage } from './fake-openai-content.ts';

/**
 * A scripted fault for the next call to an API endpoint of a fake provider. Fields combine: e.g.
 * `{ delayMs: 200, status: 503 }` answers 503 after 200 ms. Each call takes the next queued fault.
 */
export interface FakeFault {
  /** Answer with this status and an error body (OpenAI's shape for the status unless `body` is given). */
  status?: number;
  /** The body for `status`: an object is sent as JSON, a string as it is (e.g. an HTML proxy page). */
  body?: unknown;
  /** `Retry-After` header, in seconds. */
  retryAfter?: number;
  /** `retry-after-ms` header, as OpenAI sends it. */
  retryAfterMs?: number;
  /** Wait this long before answering (on top of the server's `latencyMs`). */
  delayMs?: number;
  /** Never answer: headers are never sent, the connection stays open until the client gives up. */
  hang?: boolean;
  /** Send this many SSE events, then destroy the connection (the stream dies mid-way). A non-stream
   * call has its connection destroyed before any answer. */
  cutStreamAfterChunks?: number;
  /** Send this many SSE events, then go silent with the connection open (a stalled stream). */
  stallStreamAfterChunks?: number;
  /** A stream sends its headers at once, then waits this long before its first SSE event (a slow first
   * token). Fake OpenAI only. */
  firstChunkDelayMs?: number;
  /** Destroy the connection before any header is sent (a connection reset), stream or not. Fake OpenAI only. */
  resetConnection?: boolean;
  /** Override the usage numbers of the answer. */
  usage?: Partial<FakeUsage>;
}

export interface OpenAiErrorShape {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiError(message: string, type: string, code: string | null = null, param: string | null = null): OpenAiErrorShape {
  return { error: { message, type, param, code } };
}

/** The body OpenAI sends for a status, used when a fault gives none. */
export function defaultErrorBody(status: number): OpenAiErrorShape {
  switch (status) {
    case 400:
      return openAiError('Invalid request.', 'invalid_request_error');
    case 401:
      return openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    case 403:
      return openAiError('You are not allowed to sample from this model', 'invalid_request_error');
    case 404:
      return openAiError('The model does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found');
    case 429:
      return openAiError(
        'Rate limit reached for requests. Please try again later.',
        'requests',
        'rate_limit_exceeded',
      );
    case 503:
      return openAiError('The engine is currently overloaded, please try again later', 'server_error');
    default:
      if (status >= 500) {
        return openAiError('The server had an error while processing your request. Sorry about that!', 'server_error');
      }
      return openAiError(`Request failed with status ${status}.`, 'invalid_request_error');
  }
}
