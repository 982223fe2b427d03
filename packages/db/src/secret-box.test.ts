import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, parseEncryptionKey } from './secret-box.ts';

const base64Key = randomBytes(32).toString('base64');

describe('createSecretBox', () => {
  it('round-trips text, including unicode and the empty string', () => {
    const box = createSecretBox(base64Key);
    for (const plaintext of ['sk-test-123', 'héllo — 世界 🔑', '']) {
      expect(box.decrypt(box.encrypt(plaintext))).toBe(plaintext);
    }
  });

  it('uses a fresh IV each time and never shows the plaintext', () => {
    const box = createSecretBox(base64Key);
    const first = box.encrypt('sk-secret-value');
    const second = box.encrypt('sk-secret-value');
    expect(first).not.toBe(second);
    expect(first).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(first).not.toContain('sk-secret-value');
  });

  it('detects a tampered ciphertext, IV or tag', () => {
    const box = createSecretBox(base64Key);
    const [version, iv, tag, ciphertext] = box.encrypt('sk-secret-value').split(':') as [string, string, string, string];
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      return bytes.toString('base64');
    };
    expect(() => box.decrypt([version, iv, tag, flip(ciphertext)].join(':'))).toThrow(/tampered/);
    expect(() => box.decrypt([version, flip(iv), tag, ciphertext].join(':'))).toThrow(/tampered/);
    expect(() => box.decrypt([version, iv, flip(tag), ciphertext].join(':'))).toThrow(/tampered/);
  });

  it('refuses to decrypt with another key', () => {
    const sealed = createSecretBox(base64Key).encrypt('sk-secret-value');
    expect(() => createSecretBox(randomBytes(32).toString('hex')).decrypt(sealed)).toThrow(/wrong encryption key/);
  });

  it('rejects unknown formats', () => {
    const box = createSecretBox(base64Key);
    expect(() => box.decrypt('plaintext')).toThrow(/Unsupported secret format/);
    expect(() => box.decrypt('v2:a:b:c')).toThrow(/Unsupported secret format/);
  });
});

describe('parseEncryptionKey', () => {
  it('accepts 32 bytes as hex, base64 and base64url', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
    expect(parseEncryptionKey(` ${key.toString('hex')}\n`)).toEqual(key);
  });

  it('rejects anything else with a message saying what is expected', () => {
    for (const bad of ['', 'secret', 'a'.repeat(63), 'z'.repeat(64), randomBytes(16).toString('base64'), randomBytes(48).toString('base64')]) {
      expect(() => createSecretBox(bad)).toThrow(/32 bytes written as 64 hex characters or as base64/);
    }
  });
});
