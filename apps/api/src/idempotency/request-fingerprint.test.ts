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

  it('differs by the headers that change the answer, and only by those', () => {
    const body = { model: 'm', input: 'x' };
    const fingerprint = (headers: Record<string, string | string[] | undefined>) => requestFingerprint('POST', '/v1/embeddings', body, headers);
    const base = fingerprint({ authorization: 'Bearer a', 'x-request-id': 'one', 'idempotency-key': 'k', traceparent: 't' });
    expect(base).toBe(requestFingerprint('POST', '/v1/embeddings', body));
    expect(fingerprint({ authorization: 'Bearer b', 'x-request-id': 'two', 'x-gateway-request-id': 'g' })).toBe(base);
    const changed = [
      { 'x-gateway-config': '{"strategy":"single"}' },
      { 'x-gateway-strict': 'true' },
      { 'x-gateway-metadata': '{"team":"a"}' },
      { 'x-gateway-timeout-ms': '5000' },
      { 'anthropic-beta': 'prompt-caching-2024-07-31' },
    ].map(fingerprint);
    expect(new Set([base, ...changed]).size).toBe(6);
    expect(fingerprint({ 'x-gateway-metadata': '{"team":"a"}' })).not.toBe(fingerprint({ 'x-gateway-metadata': '{"team":"b"}' }));
    expect(fingerprint({ 'anthropic-beta': ['a', 'b'] })).toBe(fingerprint({ 'anthropic-beta': 'a, b' }));
  });

  it('writes JSON as JSON.stringify does, keys sorted, undefined members left out', () => {
    expect(canonicalJson({ b: [1, undefined, 'x'], a: { d: null, c: undefined } })).toBe('{"a":{"d":null},"b":[1,null,"x"]}');
    expect(JSON.parse(canonicalJson({ z: 1, y: [true] }))).toEqual({ z: 1, y: [true] });
  });
});
