import { describe, expect, it } from 'vitest';
import { GatewayError, headerNames } from '@gateway/contracts';
import { anthropicErrorBody, openAiErrorBody } from './error-body.ts';

describe('guardrail_denied', () => {
  const denied = new GatewayError('guardrail_denied', 'prompt_injection check of policy strict: score 0.97 ≥ 0.8', { source: 'guardrail', param: 'messages' });

  it('is a 400 the client can act on', () => {
    expect(denied.status).toBe(400);
  });

  it('answers in OpenAI’s shape as an invalid_request_error naming the check', () => {
    expect(openAiErrorBody(denied, 'req_1')).toEqual({
      error: {
        message: 'prompt_injection check of policy strict: score 0.97 ≥ 0.8',
        type: 'invalid_request_error',
        code: 'guardrail_denied',
        param: 'messages',
        request_id: 'req_1',
        source: 'guardrail',
      },
    });
  });

  it('answers in Anthropic’s shape as an invalid_request_error', () => {
    expect(anthropicErrorBody(denied, 'req_2')).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: denied.message, code: 'guardrail_denied', source: 'guardrail' },
      request_id: 'req_2',
    });
  });

  it('has a request header for the policies a request adds', () => {
    expect(headerNames.guardrails).toBe('x-gateway-guardrails');
  });
});
