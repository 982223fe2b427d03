import type { FastifyInstance, FastifyRequest } from 'fastify';
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
 * `/v1/messages…` is Anthropic's API, and so is a pass-through to an Anthropic provider (see
 * `decidePassthroughSurface`); everything else answers in OpenAI's shape.
 */
export function surfaceOf(request: FastifyRequest): Surface {
  const passthrough = (request as { passthroughSurface?: Surface }).passthroughSurface;
  if (passthrough) return passthrough;
  return request.url.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

const passthroughPrefix = '/passthrough/';

/**
 * Gives the scope's requests their pass-through surface: `/passthrough/<provider>/…` to a provider of
 * type `anthropic` answers errors in Anthropic's shape, as the client's SDK for that provider expects.
 * Read from the path whenever it is asked, so that it holds from the first hook on (even a refused key
 * is answered that way) and follows the provider catalog as it is reloaded.
 */
export function decidePassthroughSurface(app: FastifyInstance, providerType: (name: string) => string | undefined): void {
  app.decorateRequest('passthroughSurface', {
    getter(this: FastifyRequest): Surface | undefined {
      if (!this.url.startsWith(passthroughPrefix)) return undefined;
      const segment = this.url.slice(passthroughPrefix.length).split(/[/?]/)[0] ?? '';
      return providerType(safeDecode(segment)) === 'anthropic' ? 'anthropic' : undefined;
    },
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
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
