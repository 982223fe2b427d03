import { GatewayError, isGatewayError } from '@gateway/contracts';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
  message?: string;
}

/**
 * Turns whatever was thrown into a public GatewayError. Fastify's own errors (validation, body too
 * large, bad JSON) keep their meaning; anything unexpected becomes a generic internal error whose real
 * message is only logged.
 */
export function toGatewayError(thrown: unknown): GatewayError {
  if (isGatewayError(thrown)) return thrown;
  const error = (thrown ?? {}) as FastifyLikeError;
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0]!;
    const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const param = path || (typeof first.params?.missingProperty === 'string' ? first.params.missingProperty : null);
    const where = error.validationContext === 'body' || !error.validationContext ? '' : `${error.validationContext} `;
    return new GatewayError('invalid_request', `Invalid ${where}${param ?? 'request'}: ${first.message ?? 'invalid value'}`, { param });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('request_too_large', 'The request body is larger than this gateway accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('invalid_request', 'Send the body as JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_request', 'The request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The request body is not valid JSON');
    default:
      break;
  }
  if ((thrown as { name?: unknown } | null)?.name === 'AbortError') {
    return new GatewayError('request_cancelled', 'The client closed the connection before the answer was complete');
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return new GatewayError('invalid_request', 'The request body is not valid JSON');
  }
  if (error.statusCode === 404) return new GatewayError('not_found', 'Not found');
  if (error.statusCode === 415) return new GatewayError('invalid_request', 'Send the body as JSON (Content-Type: application/json)');
  return new GatewayError('internal_error', 'The gateway failed to handle this request', { cause: thrown });
}
