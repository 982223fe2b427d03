import { describe, expect, it } from 'vitest';
import { ipLiteral, isPublicUnicastAddress } from './public-address.ts';

describe('isPublicUnicastAddress', () => {
  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows public %s', (address) => {
    expect(isPublicUnicastAddress(address)).toBe(true);
  });

  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback, not the first', '127.8.9.10'],
    ['private 10/8', '10.0.0.1'],
    ['private 172.16/12', '172.20.1.1'],
    ['private 192.168/16', '192.168.1.1'],
    ['link-local (cloud metadata)', '169.254.169.254'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['unspecified', '0.0.0.0'],
    ['this network', '0.1.2.3'],
    ['broadcast', '255.255.255.255'],
    ['multicast', '224.0.0.1'],
    ['reserved', '240.0.0.1'],
    ['IPv6 loopback', '::1'],
    ['IPv6 unspecified', '::'],
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 unique-local', 'fd00::1'],
    ['IPv6 multicast', 'ff02::1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped private, hex form', '::ffff:a00:1'],
    ['IPv4-translated loopback', '::ffff:0:7f00:1'],
    ['NAT64', '64:ff9b::a00:1'],
    ['IPv4-compatible loopback', '::7f00:1'],
    ['IPv4-compatible loopback, dotted', '::127.0.0.1'],
    ['IPv4-compatible public address (the ::/96 range)', '::808:808'],
    ['IPv4-compatible, dotted public', '::8.8.8.8'],
    ['6to4', '2002:7f00:1::1'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['not an address', 'localhost'],
    ['a non-canonical IPv4 form', '0x7f.1'],
  ])('refuses %s (%s)', (_kind, address) => {
    expect(isPublicUnicastAddress(address)).toBe(false);
  });
});

describe('ipLiteral', () => {
  it('reads IPv4 and bracketed IPv6 hostnames and nothing else', () => {
    expect(ipLiteral('127.0.0.1')).toEqual({ address: '127.0.0.1', family: 4 });
    expect(ipLiteral('[::1]')).toEqual({ address: '::1', family: 6 });
    expect(ipLiteral('images.example')).toBeUndefined();
  });
});
