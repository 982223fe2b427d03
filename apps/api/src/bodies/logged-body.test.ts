import { describe, expect, it } from 'vitest';
import { loggedBodyMaxChars } from '@gateway/contracts';
import { collectedBodyChars, loggedBody, scrubMarginChars, withPlaceholders } from './logged-body.ts';

const openAiKey = 'sk-proj-Zq8rT2vLx9Kp4mWnB7cD1eF3gH5jK';
const awsKeyId = 'AKIAIOSFODNN7EXAMPLE';

describe('loggedBody', () => {
  it('replaces secrets with typed placeholders whatever the policies, leaving other text alone', () => {
    expect(loggedBody(`use ${openAiKey} and ${awsKeyId} <img src=x onerror=alert(1)>`)).toEqual({
      text: 'use <SECRET_1> and <SECRET_2> <img src=x onerror=alert(1)>',
      truncated: false,
    });
  });

  it('cuts a long text to the limit and marks it', () => {
    const { text, truncated } = loggedBody('word '.repeat(20_000));
    expect(truncated).toBe(true);
    expect(text.length).toBe(loggedBodyMaxChars);
  });

  it('never keeps half a secret where the collected text was cut', () => {
    // A key straddling the point where collecting stopped: what is left of it is no longer recognisable.
    const before = 'x '.repeat((collectedBodyChars - 10) / 2);
    const collected = `${before}${openAiKey}`.slice(0, collectedBodyChars);
    const { text, truncated } = loggedBody(collected, { cut: true });
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(collectedBodyChars - scrubMarginChars);
    expect(text).not.toContain('sk-proj');
  });

  it('does not end on half a surrogate pair', () => {
    const { text } = loggedBody('😀'.repeat(loggedBodyMaxChars));
    expect(text.length).toBe(loggedBodyMaxChars);
    expect(text.endsWith('😀')).toBe(true);
    const odd = loggedBody(`a${'😀'.repeat(loggedBodyMaxChars)}`).text;
    expect(odd.length).toBe(loggedBodyMaxChars - 1);
  });

  it('puts reversibly redacted values back to their placeholders, longest first', () => {
    const restore = { '<PERSON_1>': 'Jane', '<EMAIL_ADDRESS_1>': 'jane@example.com' };
    expect(withPlaceholders('Dear Jane, write to jane@example.com', restore)).toBe('Dear <PERSON_1>, write to <EMAIL_ADDRESS_1>');
    expect(loggedBody('Jane: jane@example.com', { restore }).text).toBe('<PERSON_1>: <EMAIL_ADDRESS_1>');
  });
});
