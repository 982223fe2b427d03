import { BlockList, isIP } from 'node:net';

/** The header the dashboard's server sets on every request: the client's address as it decided it. */
export const clientAddressHeader = 'x-gateway-client-address';

/** Proxies trusted to say who the client is by default: loopback and private networks (Kong in compose and Kubernetes). */
export const defaultTrustedProxies = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) as the plain IPv4 address. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Parses a list of CIDR ranges or addresses (`10.0.0.0/8, ::1`); throws on one that is neither. */
export function trustedProxyList(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', bits] = range.trim().split('/');
    const family = isIP(address);
    if (family === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`not an address or CIDR range: "${range}"`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Who the client is: the connection's address, unless it comes from a trusted proxy; then the last
 * address in `X-Forwarded-For` that is not a trusted proxy (each proxy appends the address it saw, so
 * only the entries the trusted ones added can be believed — a client can write anything before them).
 */
export function resolveClientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trusted: BlockList): string {
  let address = plain(socketAddress ?? '') || 'unknown';
  if (!isTrusted(trusted, address) || !forwardedFor) return address;
  const hops = forwardedFor
    .split(',')
    .map((hop) => plain(hop.trim()))
    .filter((hop) => hop !== '');
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = hops[index]!;
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return address;
}
