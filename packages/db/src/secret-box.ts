import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Encrypts provider secrets at rest. */
export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

const version = 'v1';
const ivLength = 12;
const tagLength = 16;

/**
 * Parses the encryption key: 32 bytes written as 64 hex characters or as base64 (44 characters with
 * padding). Anything else is refused, so a typo cannot silently become a weak key.
 */
export function parseEncryptionKey(keyMaterial: string): Buffer {
  const trimmed = keyMaterial.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed) || /^[A-Za-z0-9_-]{43}$/.test(trimmed)) {
    const key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    if (key.length === 32) return key;
  }
  throw new Error(
    'The encryption key (GATEWAY_ENCRYPTION_KEY) must be 32 bytes written as 64 hex characters or as base64; ' +
      'generate one with: openssl rand -base64 32',
  );
}

/**
 * AES-256-GCM with a random 12-byte IV per message. Output: `v1:<iv>:<tag>:<ciphertext>` (base64), the
 * version leaving room to rotate the algorithm or key later. A modified ciphertext or a wrong key makes
 * `decrypt` throw instead of returning garbage.
 */
export function createSecretBox(keyMaterial: string): SecretBox {
  const key = parseEncryptionKey(keyMaterial);
  return {
    encrypt(plaintext) {
      const iv = randomBytes(ivLength);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [version, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
    },
    decrypt(sealed) {
      const parts = sealed.split(':');
      if (parts.length !== 4 || parts[0] !== version) {
        throw new Error(`Unsupported secret format (expected "${version}:<iv>:<tag>:<ciphertext>")`);
      }
      const [, ivText = '', tagText = '', ciphertextText = ''] = parts;
      const iv = Buffer.from(ivText, 'base64');
      const tag = Buffer.from(tagText, 'base64');
      if (iv.length !== ivLength || tag.length !== tagLength) throw new Error('Malformed secret: bad IV or tag length');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64')), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new Error('Cannot decrypt secret: wrong encryption key or tampered data', { cause: error });
      }
    },
  };
}
