import type { FastifyRequest } from 'fastify';
import {
  GatewayError,
  anthropicErrorTypeByCode,
  openAiErrorTypeByCode,
  type AnthropicErrorBody,
  type OpenAiErrorBody,
} from '@gateway/contracts';

/** Which wire protocol a request speaks, and so which error shape it gets. */
export type Surface = 'openai' | 'anthropic';

/**
 * `/v1/messages…` is Anthropic's API, and so is a pass-through to an Anthropic provider (the route marks
 * it with `request.surface`); everything else answers in OpenAI's shape.
 */
export function surfaceOf(request: FastifyRequest): Surface {
  const marked = (request as { surface?: Surface }).surface;
  if (marked) return marked;
  return request.url.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

/** The OpenAI error shape, plus the request id and the part of the gateway that failed. */
export function openAiErrorBody(error: GatewayError, requestId: string): OpenAiErrorBody {
  return {
    error: {
      message: error.message,
      type: openAiErrorTypeByCode[error.code],
      code: error.code,
      param: error.param,
      request_id: requestId,
      source: error.source,
    },
  };
}

/** Anthropic's error shape (`{ type: 'error', error: { type, message }, request_id }`), with our code and source. */
export function anthropicErrorBody(error: GatewayError, requestId: string): AnthropicErrorBody {
  return {
    type: 'error',
    error: { type: anthropicErrorTypeByCode[error.code], message: error.message, code: error.code, source: error.source },
    request_id: requestId,
  };
}

export function errorBodyFor(surface: Surface, error: GatewayError, requestId: string): OpenAiErrorBody | AnthropicErrorBody {
  return surface === 'anthropic' ? anthropicErrorBody(error, requestId) : openAiErrorBody(error, requestId);
}
