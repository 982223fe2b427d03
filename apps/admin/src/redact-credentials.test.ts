import { describe, expect, it } from 'vitest';
import { redactCredentials } from './redact-credentials.ts';

const secret = 'sk-live+abc/def=0123456789';

describe('redactCredentials', () => {
  it('removes a known credential as is, URL-encoded and in base64', () => {
    const base64 = Buffer.from(secret).toString('base64');
    const echoed = [
      `key ${secret} refused`,
      `url /v1?token=${encodeURIComponent(secret)}`,
      `basic auth ${base64}`,
      `unpadded ${base64.replace(/=+$/, '')}`,
      `url-safe ${Buffer.from(secret).toString('base64url')}`,
    ].join('\n');
    const result = redactCredentials(echoed, [secret]);
    expect(result).not.toContain(secret);
    expect(result).not.toContain(encodeURIComponent(secret));
    expect(result).not.toContain(base64.slice(0, 20));
    expect(result).not.toContain(Buffer.from(secret).toString('base64url').slice(0, 20));
    expect(result.split('\n')).toEqual(['key [redacted] refused', 'url /v1?token=[redacted]', 'basic auth [redacted]', 'unpadded [redacted]', 'url-safe [redacted]']);
  });

  it('removes credential-looking values it was not told about', () => {
    expect(redactCredentials('upstream said: Authorization: Bearer eyJhbGciOi.payload.sig was rejected', [])).toBe('upstream said: Authorization: Bearer [redacted] was rejected');
    expect(redactCredentials('got Basic dXNlcjpwYXNz', [])).toBe('got Basic [redacted]');
    expect(redactCredentials('{"x-api-key": "sk-ant-other-key", "model": "m"}', [])).toBe('{"x-api-key": "[redacted]", "model": "m"}');
    expect(redactCredentials('header x-goog-api-key=AIzaSyD-something rejected', [])).toBe('header x-goog-api-key=[redacted] rejected');
    expect(redactCredentials('api_key: abcd1234; retry', [])).toBe('api_key: [redacted]; retry');
    expect(redactCredentials('GET /v1beta/models?key=AIzaSyD-secret&alt=json failed', [])).toBe('GET /v1beta/models?key=[redacted]&alt=json failed');
    expect(redactCredentials('authorization: sk-raw-token-value', [])).toBe('authorization: [redacted]');
  });

  it('leaves ordinary text alone, and ignores secrets too short to remove safely', () => {
    const text = 'HTTP 401: Incorrect API key provided (basic authentication is not supported). See https://example.test/docs for details.';
    expect(redactCredentials(text, ['abc', ''])).toBe(text);
    expect(redactCredentials('no model named gpt-x', [secret])).toBe('no model named gpt-x');
  });
});
