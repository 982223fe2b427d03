import { describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { passthroughUrl } from './target-url.ts';

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a refusal');
}

describe('passthroughUrl', () => {
  it('appends the path and query to the base URL', () => {
    const url = passthroughUrl('https://api.openai.com/v1', '/files/file-abc/content', 'limit=2&order=desc');
    expect(url.href).toBe('https://api.openai.com/v1/files/file-abc/content?limit=2&order=desc');
  });

  it('works on an origin-only base and keeps a trailing slash', () => {
    expect(passthroughUrl('https://api.anthropic.com', '/v1/messages/batches/', '').href).toBe('https://api.anthropic.com/v1/messages/batches/');
    expect(passthroughUrl('https://api.anthropic.com/', '', '').href).toBe('https://api.anthropic.com/');
  });

  it('keeps encoded characters that do not change the path, such as a colon in a Gemini method', () => {
    const url = passthroughUrl('https://generativelanguage.googleapis.com', '/v1beta/models/gemini-2.5-flash:generateContent', 'alt=sse');
    expect(url.pathname).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(passthroughUrl('https://host/v1', '/files/a%20b', '').pathname).toBe('/v1/files/a%20b');
  });

  it('drops the `key` query parameter, however it is spelled', () => {
    expect(passthroughUrl('https://host/v1beta', '/models', 'key=secret&pageSize=5').search).toBe('?pageSize=5');
    expect(passthroughUrl('https://host/v1beta', '/models', '%6Bey=secret').search).toBe('');
    expect(passthroughUrl('https://host/v1beta', '/models', 'keys=kept').search).toBe('?keys=kept');
  });

  it.each([
    ['a dot-dot segment', '/../x'],
    ['a dot segment', '/./x'],
    ['a trailing dot-dot', '/files/..'],
    ['encoded dots', '/%2e%2e/x'],
    ['mixed-case encoded dots', '/%2E./x'],
    ['double-encoded dots', '/%252e%252e/x'],
    ['an encoded slash climbing', '/..%2fx'],
    ['an empty segment', '//evil.example/x'],
    ['an empty segment inside', '/files//x'],
    ['an encoded double slash', '/%2f%2fevil.example'],
    ['a backslash', '/..\\x'],
    ['an encoded backslash', '/%5c%5cevil.example'],
    ['a control character', '/files%0a'],
    ['an absolute URL', '/http://evil.example/x'],
    ['no leading slash', 'x'],
    ['a broken escape', '/%zz'],
  ])('refuses %s', (_what, rest) => {
    const error = refusal(() => passthroughUrl('https://api.openai.com/v1', rest, ''));
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe('path');
  });
});
