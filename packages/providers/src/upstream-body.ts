import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ProviderError, providerErrorFromException, safeUpstreamMessage, upstreamErrorMessage, withheldUpstreamMessage } from './errors.ts';
import { invalidAnswer, type UpstreamClient, type UpstreamResponse } from './http.ts';

/**
 * A streamed 2xx body read chunk by chunk (its Node async iterator: no web streams). A read failure
 * becomes a mapped ProviderError. Once reading stops, the body is left alone if it ended; if the
 * protocol's own end was read first (`complete()`: `[DONE]`, `message_stop`), what little follows is
 * read in the background so the connection is kept alive; after an early stop or a failure the rest
 * is not wanted, so the body is destroyed (and its connection with it, which undici then replaces).
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  readonly statusCode: number;
  private readonly client: UpstreamClient;
  private readonly response: UpstreamResponse;
  private readonly signal: AbortSignal | undefined;
  private completed = false;

  constructor(client: UpstreamClient, response: UpstreamResponse, signal: AbortSignal | undefined) {
    this.client = client;
    this.response = response;
    this.signal = signal;
    this.statusCode = response.statusCode;
  }

  /** The protocol said it is done: call it before stopping, so the rest is drained rather than dropped. */
  complete(): void {
    this.completed = true;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const { body } = this.response;
    const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let ended = false;
    try {
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (error) {
          throw providerErrorFromException(this.client, error, this.signal, 'read');
        }
        if (next.done) {
          ended = true;
          return;
        }
        yield next.value;
      }
    } finally {
      if (!ended && !body.destroyed) {
        if (this.completed) drainRest(chunks, body);
        else body.destroy();
      }
    }
  }
}

/** Reads what follows the protocol's end (normally nothing but the end), giving up after a second. */
function drainRest(chunks: AsyncIterator<Buffer>, body: UpstreamResponse['body']): void {
  const timer = setTimeout(() => body.destroy(), 1000);
  void (async () => {
    try {
      while (!(await chunks.next()).done);
    } catch {
      // The body was destroyed or broke: nothing more to do.
    } finally {
      clearTimeout(timer);
    }
  })();
}

/**
 * The server-sent events of a body, in order. The bytes are decoded as UTF-8 with a StringDecoder (so
 * a character split across chunks stays whole; undici's BodyReadable does not honour `setEncoding`).
 * An event not closed by a blank line when the body ends is incomplete: it is dropped, as the SSE spec
 * says.
 */
export async function* serverSentEvents(body: UpstreamBody): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new StringDecoder('utf8');
  for await (const chunk of body) {
    parser.feed(decoder.write(chunk));
    for (const event of pending.splice(0)) yield event;
  }
}

/** A stream event's JSON text parsed; text that is not JSON is an invalid answer. */
export function streamEventJson(client: UpstreamClient, statusCode: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidAnswer(client, statusCode, 'a stream event that is not JSON');
  }
}

/** An error event inside a stream: the provider failed while answering, so its words go to logs only. */
export function midStreamError(client: UpstreamClient, data: string): ProviderError {
  const detail = safeUpstreamMessage(upstreamErrorMessage(data), client.secrets);
  return new ProviderError('provider_error', `provider ${client.provider} reported an error mid-stream`, {
    provider: client.provider,
    retryable: false,
    ...withheldUpstreamMessage(client.provider, detail),
  });
}

/** A body that ended before the protocol said it finished: the answer is cut. */
export function streamEndedEarly(client: UpstreamClient): ProviderError {
  return new ProviderError('provider_error', `the stream from provider ${client.provider} ended before it finished`, {
    provider: client.provider,
    retryable: false,
  });
}
