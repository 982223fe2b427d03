import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './load-gateway-config.ts';
import { guardrailNamesSchema, guardrailPolicyConfigSchema } from './guardrail-config.ts';

const issueExample = `
providers:
  - { name: openai-main, type: openai, api_key: sk-test }
guardrails:
  - name: pii-safe
    checks:
      - { type: pii, entities: [EMAIL_ADDRESS, CREDIT_CARD, US_SSN], action: redact, phase: input, reversible: true }
      - { type: prompt_injection, threshold: 0.8, action: deny, phase: input }
      - { type: regex, pattern: "(?i)internal only", action: deny, phase: output }
    on_error: fail_closed
models:
  - name: fast
    guardrails: [pii-safe]
    targets: [{ provider: openai-main, model: gpt-4o-mini }]
`;

describe('guardrails in gateway.yaml', () => {
  it('reads the normative shape of the issue, with defaults filled in', () => {
    const config = parseGatewayConfig(issueExample, 'gateway.yaml', {});
    expect(config.guardrails).toEqual([
      {
        name: 'pii-safe',
        on_error: 'fail_closed',
        checks: [
          { type: 'pii', entities: ['EMAIL_ADDRESS', 'CREDIT_CARD', 'US_SSN'], action: 'redact', phase: 'input', reversible: true },
          { type: 'prompt_injection', threshold: 0.8, action: 'deny', phase: 'input' },
          { type: 'regex', pattern: '(?i)internal only', action: 'deny', phase: 'output' },
        ],
      },
    ]);
    expect(config.models[0]?.guardrails).toEqual(['pii-safe']);
  });

  it('refuses a model naming an unknown policy, and duplicate policy names', () => {
    const unknown = issueExample.replace('guardrails: [pii-safe]', 'guardrails: [pii-safe, strict]');
    expect(() => parseGatewayConfig(unknown, 'gateway.yaml', {})).toThrow(/unknown guardrail policy "strict"/);
    const twice = issueExample.replace('models:', '  - { name: pii-safe, checks: [{ type: max_size, max_chars: 10, action: deny }] }\nmodels:');
    expect(() => parseGatewayConfig(twice, 'gateway.yaml', {})).toThrow(/duplicate guardrail policy name "pii-safe"/);
  });

  it('refuses a pattern that does not compile, an unknown entity and reversible without redact', () => {
    const policy = (check: Record<string, unknown>) => guardrailPolicyConfigSchema.safeParse({ name: 'p', checks: [check] });
    const bad = policy({ type: 'regex', pattern: '(?x)a', action: 'deny' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['checks', 0, 'pattern']);
    expect(policy({ type: 'regex', pattern: '(?im)^secret$', action: 'redact' }).success).toBe(true);
    expect(policy({ type: 'pii', entities: ['PASSPORT'], action: 'deny' }).success).toBe(false);
    expect(policy({ type: 'pii', action: 'flag', reversible: true }).error?.issues[0]?.message).toBe('reversible goes with action: redact');
    expect(policy({ type: 'prompt_injection', action: 'redact' }).success).toBe(false);
    expect(policy({ type: 'prompt_injection', threshold: 1.5, action: 'deny' }).success).toBe(false);
  });

  it("takes a key's list of policy names", () => {
    expect(guardrailNamesSchema.safeParse(['pii-safe', 'strict']).success).toBe(true);
    expect(guardrailNamesSchema.safeParse(['a', 'a']).success).toBe(false);
    expect(guardrailNamesSchema.safeParse(['has space']).success).toBe(false);
  });
});
