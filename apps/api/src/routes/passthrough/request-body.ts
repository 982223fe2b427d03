import { Transform, pipeline, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '@gateway/contracts';

/**
 * Request bodies of pass-through calls go upstream as received, whatever their type (JSON, multipart
 * uploads for audio and files, JSONL). Replaces the scope's parsers: JSON is read whole as bytes, under
 * the API's body limit as usual, so its `model` can be noted on the usage record; any other type is
 * streamed through, with the same limit applied to its declared length and to the bytes that flow.
 */
export function forwardBodiesAsReceived(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  scope.addContentTypeParser('*', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > bodyLimit) {
      done(tooLarge());
      return;
    }
    done(null, limitedStream(payload, bodyLimit));
  });
}

/** The body as a stream that fails with request_too_large once more than `limit` bytes came. */
function limitedStream(payload: Readable, limit: number): Readable {
  let received = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limit) callback(tooLarge());
      else callback(null, chunk);
    },
  });
  // pipeline tears both down on an error either side (a client gone, a body too large).
  pipeline(payload, limited, () => undefined);
  return limited;
}

export function tooLarge(): GatewayError {
  return new GatewayError('request_too_large', 'The request body is larger than this gateway accepts');
}
