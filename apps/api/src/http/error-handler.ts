import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@gateway/contracts';
import { errorBodyFor, surfaceOf } from './error-body.ts';
import { toGatewayError } from './to-gateway-error.ts';

/**
 * Sends a GatewayError in the request's surface's shape (OpenAI's, or Anthropic's on `/v1/messages`) with
 * the request id and Retry-After when known.
 */
export function sendError(reply: FastifyReply, error: GatewayError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(error.retryAfterSeconds)));
  const body = errorBodyFor(surfaceOf(reply.request), error, reply.request.id);
  return reply.code(error.status).type('application/json').send(body);
}

/**
 * The one root error handler: every thrown error becomes the public error shape. 5xx causes are
 * logged (pino redacts secret fields) but their internal messages never reach the client.
 */
export function errorHandler(thrown: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = toGatewayError(thrown);
  // /v1 requests carry their usage state; the record must say why the request failed.
  const state = (request as { gateway?: { errorCode: string | null } }).gateway;
  if (state) state.errorCode = error.code;
  if (error.status >= 500) {
    request.log.error({ err: error.cause ?? error, code: error.code, source: error.source }, 'request failed');
  } else {
    request.log.info({ code: error.code, source: error.source }, error.message);
  }
  return sendError(reply, error);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, new GatewayError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
}
