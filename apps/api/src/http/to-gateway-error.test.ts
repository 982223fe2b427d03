import { describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { toGatewayError } from './to-gateway-error.ts';

describe('toGatewayError', () => {
  it('keeps a GatewayError as it is', () => {
    const error = new GatewayError('model_not_found', 'nope', { param: 'model' });
    expect(toGatewayError(error)).toBe(error);
  });

  it('turns a validation error into invalid_request naming the field', () => {
    const error = toGatewayError({ validation: [{ instancePath: '/messages/0/role', message: 'Invalid option' }], validationContext: 'body' });
    expect(error).toMatchObject({ code: 'invalid_request', param: 'messages.0.role' });
    expect(error.message).toContain('messages.0.role');
  });

  it('maps Fastify body errors', () => {
    expect(toGatewayError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }).code).toBe('request_too_large');
    expect(toGatewayError({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }).code).toBe('invalid_request');
    expect(toGatewayError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }).status).toBe(400);
  });

  it('treats an abort as a cancelled request', () => {
    expect(toGatewayError(new DOMException('aborted', 'AbortError')).code).toBe('request_cancelled');
  });

  it('hides the message of unexpected errors', () => {
    const error = toGatewayError(new Error('password=hunter2 at db.internal'));
    expect(error.code).toBe('internal_error');
    expect(error.message).not.toContain('hunter2');
    expect(error.status).toBe(500);
  });
});
