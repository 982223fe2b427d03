import { describe, expect, it } from 'vitest';
import { csrfTokenFor, csrfTokenMatches } from './csrf.ts';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';

describe('password hashes', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    // A fresh salt each time: the same password never gives the same hash.
    expect(await hashPassword('correct horse battery')).not.toBe(stored);
  });

  it('refuses malformed hashes and unreasonable parameters', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1048577$8$1$c2FsdA$aGFzaA')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$1$2$3$4$5')).toBe(false);
  });

  it('asks for at least 12 characters', () => {
    expect(passwordProblem('short')).toMatch(/12/);
    expect(passwordProblem('long enough password')).toBeUndefined();
  });
});

describe('CSRF tokens', () => {
  it('match only the session they were made for', () => {
    const token = csrfTokenFor('session-a');
    expect(csrfTokenMatches('session-a', token)).toBe(true);
    expect(csrfTokenMatches('session-b', token)).toBe(false);
    expect(csrfTokenMatches('session-a', '')).toBe(false);
    expect(csrfTokenMatches('session-a', null)).toBe(false);
    expect(csrfTokenMatches('session-a', `${token}x`)).toBe(false);
  });
});
