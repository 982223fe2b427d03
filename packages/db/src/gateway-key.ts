import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const gatewayKeyPrefix = 'gw-';
/** How many leading characters of a key are kept in clear, to tell keys apart in the dashboard. */
export const displayPrefixLength = 10;

/** A new gateway key: `gw-` and 256 random bits as base64url (43 characters). Shown once, never stored. */
export function generateGatewayKey(): string {
  return gatewayKeyPrefix + randomBytes(32).toString('base64url');
}

/**
 * Hex SHA-256 of a key. Keys carry 256 random bits, so a fast unsalted hash is enough: there is no
 * dictionary to guess from, and a fixed hash lets the database find a key by its hash.
 */
export function hashGatewayKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two hex hashes in constant time. */
export function hashesEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

export function gatewayKeyDisplayPrefix(key: string): string {
  return key.slice(0, displayPrefixLength);
}
