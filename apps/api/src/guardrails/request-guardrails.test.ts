import { describe, expect, it } from 'vitest';
import type { GuardrailPolicy } from '@gateway/contracts';
import { hasPhase, resolvePolicies } from './request-guardrails.ts';

const policy = (name: string, phase: 'input' | 'output' | 'both' = 'input'): GuardrailPolicy => ({
  name,
  checks: [{ type: 'keywords', keywords: ['x'], case_sensitive: false, action: 'deny', phase }],
  on_error: 'fail_closed',
});
const available = new Map([['a', policy('a')], ['b', policy('b', 'output')], ['c', policy('c', 'both')]]);
const errors: string[] = [];
const logger = { error: (details: Record<string, unknown>) => void errors.push(String(details['policy'])) };

describe('resolvePolicies', () => {
  it('takes the model’s, then the key’s, then the request’s policies, each once', () => {
    const names = resolvePolicies(available, { model: ['a'], key: ['b', 'a'] }, ' c , b', logger).map((entry) => entry.name);
    expect(names).toEqual(['a', 'b', 'c']);
  });

  it('refuses a header naming an unknown policy, and a request whose model or key names a policy that is gone', () => {
    expect(() => resolvePolicies(available, {}, 'a,zzz', logger)).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'x-gateway-guardrails' }));
    expect(() => resolvePolicies(available, { key: ['a', 'gone'] }, undefined, logger)).toThrow(expect.objectContaining({ code: 'internal_error' }));
    expect(errors).toContain('gone');
  });
});

describe('hasPhase', () => {
  it('counts `both` for either phase', () => {
    expect(hasPhase([policy('a')], 'output')).toBe(false);
    expect(hasPhase([policy('c', 'both')], 'output')).toBe(true);
    expect(hasPhase([policy('b', 'output')], 'input')).toBe(false);
  });
});
