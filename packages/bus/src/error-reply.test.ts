import { GatewayError } from '@gateway/contracts';
import { describe, expect, it } from 'vitest';
import { fromErrorReply, natsErrorCode, toErrorReply, toErrorSource } from './error-reply.ts';

describe('error replies', () => {
  it('round-trips a GatewayError through its reply', () => {
    const original = new GatewayError('provider_timeout', 'OpenAI took too long', { source: 'provider:openai' });
    const rebuilt = fromErrorReply(toErrorReply(original, { source: 'bus', message: 'unused' }));
    expect(rebuilt).toBeInstanceOf(GatewayError);
    expect(rebuilt).toMatchObject({ code: 'provider_timeout', message: 'OpenAI took too long', source: 'provider:openai' });
  });

  it('replaces any other error by the fallback', () => {
    expect(toErrorReply(new Error('internal detail'), { source: 'router', message: 'The router service failed' })).toEqual({
      code: 'internal_error',
      message: 'The router service failed',
      source: 'router',
    });
  });

  it('accepts only known sources from the wire', () => {
    expect(toErrorSource('ledger', 'bus')).toBe('ledger');
    expect(toErrorSource('provider:anthropic', 'bus')).toBe('provider:anthropic');
    expect(toErrorSource('somewhere', 'bus')).toBe('bus');
    expect(toErrorSource(undefined, 'gateway')).toBe('gateway');
  });

  it('uses HTTP-like NATS error codes', () => {
    expect(natsErrorCode('invalid_request')).toBe(400);
    expect(natsErrorCode('dependency_unavailable')).toBe(503);
  });
});
