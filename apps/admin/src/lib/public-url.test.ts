import { describe, expect, it } from 'vitest';
import { publicUrl } from './public-url.ts';

describe('publicUrl', () => {
  const fallback = 'http://127.0.0.1:3000/keys';
  it('uses the host and protocol the browser used, forwarded ones first', () => {
    expect(publicUrl('/sign-in', new Headers({ host: '127.0.0.1:4321' }), fallback).href).toBe('http://127.0.0.1:4321/sign-in');
    expect(publicUrl('/sign-in', new Headers({ host: 'internal:3000', 'x-forwarded-host': 'admin.example.com', 'x-forwarded-proto': 'https' }), fallback).href).toBe('https://admin.example.com/sign-in');
  });
  it('falls back to the server’s URL for a missing or malformed host', () => {
    expect(publicUrl('/sign-in', new Headers(), fallback).href).toBe('http://127.0.0.1:3000/sign-in');
    expect(publicUrl('/sign-in', new Headers({ host: 'evil.example/path' }), fallback).href).toBe('http://127.0.0.1:3000/sign-in');
    expect(publicUrl('/sign-in', new Headers({ host: 'a.example', 'x-forwarded-proto': 'javascript' }), fallback).href).toBe('http://127.0.0.1:3000/sign-in');
  });
});
