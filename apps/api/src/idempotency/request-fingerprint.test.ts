import { describe, expect, it } from 'vitest';
import { canonicalJson, requestFingerprint } from './request-fingerprint.ts';

describe('requestFingerprint', () => {
  it('is the same for the same parameters in another key order, at every depth', () => {
    const one = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 };
    const two = { temperature: 0.2, messages: [{ content: 'hi', role: 'user' }], model: 'm' };
    expect(requestFingerprint('POST', '/v1/chat/completions', one)).toBe(requestFingerprint('POST', '/v1/chat/completions', two));
  });

  it('differs by body, path and method', () => {
    const body = { model: 'm', input: 'x' };
    const base = requestFingerprint('POST', '/v1/embeddings', body);
    expect(requestFingerprint('POST', '/v1/embeddings', { ...body, input: 'y' })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/chat/completions', body)).not.toBe(base);
    expect(requestFingerprint('PUT', '/v1/embeddings', body)).not.toBe(base);
  });

  it('writes JSON as JSON.stringify does, keys sorted, undefined members left out', () => {
    expect(canonicalJson({ b: [1, undefined, 'x'], a: { d: null, c: undefined } })).toBe('{"a":{"d":null},"b":[1,null,"x"]}');
    expect(JSON.parse(canonicalJson({ z: 1, y: [true] }))).toEqual({ z: 1, y: [true] });
  });
});
