import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayKeyDisplayPrefix, generateGatewayKey, hashesEqual, hashGatewayKey } from './gateway-key.ts';

describe('gateway keys', () => {
  it('are gw- and 43 base64url characters of fresh randomness', () => {
    const keys = new Set(Array.from({ length: 100 }, generateGatewayKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^gw-[A-Za-z0-9_-]{43}$/);
  });

  it('hash to the hex SHA-256 of the key', () => {
    const key = generateGatewayKey();
    expect(hashGatewayKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashGatewayKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashGatewayKey(key)).not.toBe(hashGatewayKey(generateGatewayKey()));
  });

  it('compare hashes in constant time, refusing different lengths and empty input', () => {
    const hash = hashGatewayKey('gw-example');
    expect(hashesEqual(hash, hashGatewayKey('gw-example'))).toBe(true);
    expect(hashesEqual(hash, hashGatewayKey('gw-other'))).toBe(false);
    expect(hashesEqual(hash, hash.slice(0, 32))).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
  });

  it('keep the first 10 characters for display', () => {
    expect(gatewayKeyDisplayPrefix('gw-abcdefghijklmnop')).toBe('gw-abcdefg');
  });
});
