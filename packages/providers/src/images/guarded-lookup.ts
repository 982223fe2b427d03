import { lookup as systemLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';

/** `dns.lookup` as called with `{ all: true }`; tests inject their own answers. */
export type LookupFunction = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** Whether the fetcher may connect to an address. */
export type AddressPolicy = (address: string, family: 4 | 6) => boolean;

/** What net and tls pass to a socket's `lookup` option. */
interface SocketLookupOptions {
  family?: number | string;
  all?: boolean;
}

type SocketLookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A hostname answered with an address the policy refuses; carried out through the socket's error. */
export class AddressRefusedError extends Error {
  readonly hostname: string;

  constructor(hostname: string) {
    super(`${hostname} resolves to an address that may not be fetched`);
    this.name = 'AddressRefusedError';
    this.hostname = hostname;
  }
}

/**
 * A `lookup` for the sockets of the image fetcher. It resolves every address of the hostname, refuses
 * the hostname when any of them is refused (an attacker's DNS may mix a public address with an
 * internal one), and hands the socket only the addresses it checked. Checking inside the connect
 * itself is what closes the DNS-rebinding window: there is no second lookup whose answer could differ.
 */
export function guardedLookup(isAllowed: AddressPolicy, lookup: LookupFunction = systemLookup) {
  return (hostname: string, options: SocketLookupOptions, callback: SocketLookupCallback): void => {
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      if (addresses.length === 0) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
        return;
      }
      if (addresses.some((entry) => !isAllowed(entry.address, entry.family === 6 ? 6 : 4))) {
        callback(new AddressRefusedError(hostname), []);
        return;
      }
      const family = Number(options.family ?? 0);
      const usable = family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses;
      const first = usable[0];
      if (!first) {
        callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), []);
        return;
      }
      if (options.all) callback(null, usable);
      else callback(null, first.address, first.family);
    });
  };
}
