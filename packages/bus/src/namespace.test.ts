import { describe, expect, it } from 'vitest';
import { createNamespace } from './namespace.ts';

describe('createNamespace', () => {
  it('prefixes subjects with a dot and streams with an underscore', () => {
    const namespace = createNamespace('t1');
    expect(namespace.subject('router.v1.plan')).toBe('t1.router.v1.plan');
    expect(namespace.stream('USAGE')).toBe('t1_USAGE');
  });

  it('leaves names alone without a namespace', () => {
    const namespace = createNamespace();
    expect(namespace.subject('router.v1.plan')).toBe('router.v1.plan');
    expect(namespace.stream('USAGE')).toBe('USAGE');
  });

  it('refuses a namespace that is not one subject token', () => {
    expect(() => createNamespace('a.b')).toThrow(/Invalid bus namespace/);
    expect(() => createNamespace('a*')).toThrow(/Invalid bus namespace/);
  });
});
