import { describe, expect, it } from 'vitest';
import { extractApiKey } from './extract-key.ts';

describe('extractApiKey', () => {
  it('reads a bearer token or x-api-key', () => {
    expect(extractApiKey({ authorization: 'Bearer gw-abc' })).toBe('gw-abc');
    expect(extractApiKey({ authorization: 'bearer   gw-abc  ' })).toBe('gw-abc');
    expect(extractApiKey({ 'x-api-key': ' gw-xyz ' })).toBe('gw-xyz');
    expect(extractApiKey({ 'x-goog-api-key': 'gw-goog' })).toBe('gw-goog');
    expect(extractApiKey({ 'x-api-key': 'gw-first', 'x-goog-api-key': 'gw-second' })).toBe('gw-first');
  });

  it('prefers Authorization and ignores other schemes', () => {
    expect(extractApiKey({ authorization: 'Bearer one', 'x-api-key': 'two' })).toBe('one');
    expect(extractApiKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(extractApiKey({})).toBeUndefined();
  });
});
