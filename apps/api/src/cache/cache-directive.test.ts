import { describe, expect, it } from 'vitest';
import { readCacheDirective } from './cache-directive.ts';

describe('readCacheDirective', () => {
  it('reads and writes by default', () => {
    expect(readCacheDirective({})).toEqual({ read: true, write: true });
  });

  it.each([
    ['no-cache', { read: false, write: false }],
    ['no-store', { read: true, write: false }],
    ['force-refresh', { read: false, write: true }],
    [' Force-Refresh ', { read: false, write: true }],
  ])('x-gateway-cache: %s', (value, expected) => {
    expect(readCacheDirective({ 'x-gateway-cache': value })).toEqual(expected);
  });

  it('refuses an unknown x-gateway-cache value with the header named', () => {
    expect(() => readCacheDirective({ 'x-gateway-cache': 'sometimes' })).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'x-gateway-cache' }));
  });

  it.each([
    ['no-cache', { read: false, write: true }],
    ['no-store', { read: true, write: false }],
    ['max-age=60', { read: true, write: true, maxAgeSeconds: 60 }],
    ['max-age=0', { read: false, write: true, maxAgeSeconds: 0 }],
    ['private, max-age="30"', { read: true, write: true, maxAgeSeconds: 30 }],
    ['no-transform', { read: true, write: true }],
  ])('Cache-Control: %s', (value, expected) => {
    expect(readCacheDirective({ 'cache-control': value })).toEqual(expected);
  });

  it('applies the restrictions of both headers', () => {
    expect(readCacheDirective({ 'x-gateway-cache': 'no-store', 'cache-control': 'no-cache' })).toEqual({ read: false, write: false });
  });

  it('refuses a max-age that is not a whole number of seconds', () => {
    expect(() => readCacheDirective({ 'cache-control': 'max-age=soon' })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
