import { guardrailPolicyConfigSchema } from '@gateway/config';
import type { GuardrailPolicyInput, GuardrailPolicyRecord } from '@gateway/db';

function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Reads the guardrail policy form: its name, its checks as a JSON array in gateway.yaml's shape
 * (`type`, `action`, `phase`, and each check's own fields) and `on_error`, validated with gateway.yaml's
 * schema (defaults applied, patterns compile, reversible only on input redaction).
 */
export function parseGuardrailPolicyForm(formData: FormData): { ok: true; input: GuardrailPolicyInput } | { ok: false; message: string } {
  let checks: unknown;
  const text = field(formData, 'checks');
  if (text.length > 100_000) return { ok: false, message: 'The checks are too large' };
  try {
    checks = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The checks are not valid JSON (a list of checks, as under guardrails[].checks in gateway.yaml)' };
  }
  const onError = field(formData, 'on_error');
  const parsed = guardrailPolicyConfigSchema.safeParse({ name: field(formData, 'name'), checks, ...(onError !== '' ? { on_error: onError } : {}) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'policy'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, input: { name: parsed.data.name, checks: parsed.data.checks, onError: parsed.data.on_error, source: 'api' } };
}

/** A stored policy's checks as the JSON the form edits. */
export function guardrailChecksText(record: Pick<GuardrailPolicyRecord, 'checks'>): string {
  return JSON.stringify(record.checks, null, 2);
}
