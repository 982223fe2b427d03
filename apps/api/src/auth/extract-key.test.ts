import { describe, expect, it } from 'vitest';
import { extractApiKey } from './extract-key.ts';

describe('extractApiKey', () => {
  it('reads a bearer token or x-api-key', () => {
    expect(extractApiKey({ authorization: 'Bearer gw-abc' }, '/v1/chat/completions')).toBe('gw-abc');
    expect(extractApiKey({ authorization: 'bearer   gw-abc  ' }, '/v1/chat/completions')).toBe('gw-abc');
    expect(extractApiKey({ 'x-api-key': ' gw-xyz ' }, '/v1/messages')).toBe('gw-xyz');
  });

  it('reads x-goog-api-key on pass-through paths only', () => {
    expect(extractApiKey({ 'x-goog-api-key': 'gw-goog' }, '/passthrough/google/v1beta/models')).toBe('gw-goog');
    expect(extractApiKey({ 'x-api-key': 'gw-first', 'x-goog-api-key': 'gw-second' }, '/passthrough/google/v1beta/models')).toBe('gw-first');
    expect(extractApiKey({ 'x-goog-api-key': 'gw-goog' }, '/v1/chat/completions')).toBeUndefined();
    expect(extractApiKey({ 'x-goog-api-key': 'gw-goog' }, '/v1/messages')).toBeUndefined();
    expect(extractApiKey({ 'x-goog-api-key': 'gw-goog' }, '/passthroughx/google')).toBeUndefined();
    expect(extractApiKey({ 'x-goog-api-key': 'gw-goog' })).toBeUndefined();
  });

  it('prefers Authorization and ignores other schemes', () => {
    expect(extractApiKey({ authorization: 'Bearer one', 'x-api-key': 'two' }, '/v1/models')).toBe('one');
    expect(extractApiKey({ authorization: 'Basic dXNlcjpwYXNz' }, '/v1/models')).toBeUndefined();
    expect(extractApiKey({}, '/v1/models')).toBeUndefined();
  });
});
