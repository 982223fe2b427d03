import { describe, expect, it } from 'vitest';
import { guardrailChecksText, parseGuardrailPolicyForm } from './guardrail-form.ts';

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe('parseGuardrailPolicyForm', () => {
  it('reads a policy as gateway.yaml declares it, with the schema’s defaults', () => {
    const result = parseGuardrailPolicyForm(form({ name: 'pii-soft', checks: '[{"type": "pii", "action": "redact"}, {"type": "keywords", "keywords": ["secret"], "action": "flag"}]', on_error: 'fail_open' }));
    expect(result).toEqual({
      ok: true,
      input: {
        name: 'pii-soft',
        checks: [
          { type: 'pii', action: 'redact', phase: 'input', reversible: false },
          { type: 'keywords', keywords: ['secret'], case_sensitive: false, action: 'flag', phase: 'both' },
        ],
        onError: 'fail_open',
        source: 'api',
      },
    });
    // on_error left out: fail_closed, as in gateway.yaml.
    expect(parseGuardrailPolicyForm(form({ name: 'p', checks: '[{"type": "max_size", "max_chars": 10, "action": "deny"}]' }))).toMatchObject({ ok: true, input: { onError: 'fail_closed' } });
  });

  it('a round trip through the edit text changes nothing', () => {
    const first = parseGuardrailPolicyForm(form({ name: 'p', checks: '[{"type": "regex", "pattern": "(?i)acme-\\\\d+", "action": "redact"}]' }));
    if (!first.ok) throw new Error(first.message);
    expect(parseGuardrailPolicyForm(form({ name: 'p', checks: guardrailChecksText(first.input), on_error: first.input.onError }))).toEqual(first);
  });

  it('refuses what gateway.yaml refuses, saying where', () => {
    const message = (fields: Record<string, string>) => {
      const result = parseGuardrailPolicyForm(form({ name: 'p', checks: '[{"type": "pii", "action": "redact"}]', ...fields }));
      return result.ok ? undefined : result.message;
    };
    expect(message({})).toBeUndefined();
    expect(message({ name: 'has spaces' })).toMatch(/^name: /);
    expect(message({ checks: '{' })).toMatch(/not valid JSON/);
    expect(message({ checks: '[]' })).toMatch(/^checks: /);
    expect(message({ checks: '[{"type": "virus", "action": "deny"}]' })).toMatch(/^checks\.0/);
    expect(message({ checks: '[{"type": "regex", "pattern": "(", "action": "deny"}]' })).toMatch(/^checks\.0\.pattern: not a valid regular expression/);
    expect(message({ checks: '[{"type": "pii", "action": "deny", "reversible": true}]' })).toMatch(/^checks\.0\.reversible: reversible goes with action: redact/);
    expect(message({ on_error: 'maybe' })).toMatch(/^on_error: /);
  });
});
