import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The IPv4-compatible IPv6 range, ::/96. */
const ipv4Compatible = new BlockList();
ipv4Compatible.addSubnet('::', 96, 'ipv6');

/**
 * Whether an address is public unicast: the only kind an image URL may reach. Everything ipaddr.js
 * files under a special range is refused (loopback, private, link-local with the cloud metadata
 * address, unique-local, carrier-grade NAT, multicast, unspecified, broadcast, reserved, documentation
 * and benchmarking ranges). IPv4-mapped and IPv4-translated IPv6 addresses are judged as the IPv4
 * address they carry; IPv4-compatible (::/96), 6to4, Teredo and NAT64 addresses are refused outright,
 * since they reach an IPv4 address by a route (a stack's tunnel, a relay) this check does not choose.
 */
export function isPublicUnicastAddress(address: string): boolean {
  // Only canonical forms (what DNS answers and URL parsing produce); ipaddr.js would accept more.
  if (isIP(address) === 0 || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    // IPv4-compatible addresses (::/96, deprecated; :: and ::1 among them): ipaddr.js calls `::7f00:1`
    // unicast and reads `::8.8.8.8` as IPv4-mapped, and some stacks route them to the IPv4 address
    // they carry, so they are refused, checked with Node's own parser.
    if (ipv4Compatible.check(address, 'ipv6')) return false;
    const ipv6 = parsed as ipaddr.IPv6;
    if (ipv6.isIPv4MappedAddress()) return ipv6.toIPv4Address().range() === 'unicast';
    if (ipv6.range() === 'rfc6145') return ipaddr.IPv4.parse(ipv4Tail(ipv6)).range() === 'unicast';
  }
  return parsed.range() === 'unicast';
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function ipv4Tail(address: ipaddr.IPv6): string {
  return address.toByteArray().slice(12).join('.');
}

/**
 * A URL's hostname as an address, without the brackets of an IPv6 literal, when it is an IP literal:
 * the sockets connect to those without any lookup, so they must be checked directly.
 */
export function ipLiteral(hostname: string): { address: string; family: 4 | 6 } | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const family = isIP(bare);
  return family === 4 || family === 6 ? { address: bare, family } : undefined;
}
