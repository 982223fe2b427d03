import { describe, expect, it } from 'vitest';
import { defaultTrustedProxies, resolveClientAddress, trustedProxyList } from './client-address.ts';

const trusted = trustedProxyList(defaultTrustedProxies);

describe('resolveClientAddress', () => {
  it('takes the connection’s address when it is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(resolveClientAddress('203.0.113.9', '198.51.100.1', trusted)).toBe('203.0.113.9');
    expect(resolveClientAddress('::ffff:203.0.113.9', undefined, trusted)).toBe('203.0.113.9');
    expect(resolveClientAddress(undefined, undefined, trusted)).toBe('unknown');
  });

  it('behind trusted proxies, takes the last address they did not add', () => {
    // Kong (10.0.0.5) connected; the client wrote a fake first hop, Kong appended what it saw.
    expect(resolveClientAddress('10.0.0.5', '1.2.3.4, 198.51.100.7', trusted)).toBe('198.51.100.7');
    // Two proxies: an ingress appended the client, Kong appended the ingress.
    expect(resolveClientAddress('::ffff:10.0.0.5', '198.51.100.7, 10.1.2.3', trusted)).toBe('198.51.100.7');
    expect(resolveClientAddress('127.0.0.1', '2001:db8::1', trusted)).toBe('2001:db8::1');
    // Only proxies: the first of them. Nothing forwarded: the proxy itself.
    expect(resolveClientAddress('10.0.0.5', '10.9.9.9', trusted)).toBe('10.9.9.9');
    expect(resolveClientAddress('10.0.0.5', undefined, trusted)).toBe('10.0.0.5');
    // A hop that is not an address stops the walk at the last believable one.
    expect(resolveClientAddress('10.0.0.5', 'not-an-ip', trusted)).toBe('10.0.0.5');
  });

  it('trusts only the configured ranges', () => {
    const onlyKong = trustedProxyList(['10.0.0.5']);
    expect(resolveClientAddress('10.0.0.6', '198.51.100.7', onlyKong)).toBe('10.0.0.6');
    expect(resolveClientAddress('10.0.0.5', '198.51.100.7', onlyKong)).toBe('198.51.100.7');
    expect(() => trustedProxyList(['10.0.0.0/x'])).toThrow('not an address or CIDR range: "10.0.0.0/x"');
    expect(() => trustedProxyList(['kong'])).toThrow('not an address or CIDR range');
  });
});
