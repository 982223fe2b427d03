import { describe, expect, it } from 'vitest';
import { geminiFailureStatus } from './failure-status.ts';

// Google's answer to a wrong key, as its API documents errors: google.rpc.Status with ErrorInfo details.
const invalidKey = JSON.stringify({
  error: {
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
  },
});

describe('geminiFailureStatus', () => {
  it('reads a 400 for an invalid API key as a 401', () => {
    expect(geminiFailureStatus(400, invalidKey)).toBe(401);
  });

  it('keeps other statuses and other 400s', () => {
    expect(geminiFailureStatus(403, invalidKey)).toBe(403);
    expect(geminiFailureStatus(400, '{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"bad"}}')).toBe(400);
    expect(geminiFailureStatus(400, 'not json')).toBe(400);
  });
});
