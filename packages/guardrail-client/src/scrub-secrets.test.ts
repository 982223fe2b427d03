import { describe, expect, it } from 'vitest';
import { scrubSecrets } from './scrub-secrets.ts';

describe('scrubSecrets', () => {
  it('replaces provider keys, AWS keys, JWTs, private keys and random tokens with typed placeholders', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const text = `use sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t, AKIAIOSFODNN7EXAMPLE and ${jwt}\n${pem}\nthen Zq8rT2vLx9Kp4mWnB7cD1eF3.`;
    expect(scrubSecrets(text)).toEqual({
      text: 'use <SECRET_1>, <SECRET_2> and <SECRET_3>\n<SECRET_4>\nthen <SECRET_5>.',
      count: 5,
    });
  });

  it('gives one value one placeholder, numbering after those already in the text', () => {
    const key = 'sk-Zq8rT2vLx9Kp4mWnB7cD1eF3gH';
    expect(scrubSecrets(`<SECRET_2> was redacted; ${key} twice: ${key}, <EMAIL_ADDRESS_1>`).text).toBe(
      '<SECRET_2> was redacted; <SECRET_3> twice: <SECRET_3>, <EMAIL_ADDRESS_1>',
    );
  });

  it('leaves text without secrets as it is, markup and identifiers included', () => {
    const text = 'Hello <img src=x onerror=alert(1)> from getUserAccountBalanceForMonth2024';
    expect(scrubSecrets(text)).toEqual({ text, count: 0 });
  });
});
