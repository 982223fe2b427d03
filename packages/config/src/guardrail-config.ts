import { z } from 'zod';
import { guardrailPolicySchema, splitInlineFlags, type GuardrailCheck } from '@gateway/contracts';

/** Policy names are referenced from models, keys and the `x-gateway-guardrails` header. */
export const guardrailPolicyNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only');

/** `guardrails: [pii-safe, ...]` on a model or a key: the names of policies that apply to it, in order. */
export const guardrailNamesSchema = z.array(guardrailPolicyNameSchema).max(20).refine((names) => new Set(names).size === names.length, 'a policy is named twice');

export interface GuardrailCheckProblem {
  /** Relative to the check. */
  path: Array<string | number>;
  message: string;
}

/** What a check's fields cannot say alone: patterns that do not compile, actions a check cannot take. */
export function guardrailCheckProblems(check: GuardrailCheck): GuardrailCheckProblem[] {
  const problems: GuardrailCheckProblem[] = [];
  if (check.type === 'regex') {
    const { source, flags } = splitInlineFlags(check.pattern);
    try {
      new RegExp(source, `${flags}gu`);
    } catch (error) {
      problems.push({ path: ['pattern'], message: `not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` });
    }
  }
  if (check.type === 'pii' && check.reversible && check.action !== 'redact') {
    problems.push({ path: ['reversible'], message: 'reversible goes with action: redact' });
  }
  if (check.type === 'pii' && check.reversible && check.phase !== 'input') {
    problems.push({ path: ['reversible'], message: 'reversible redaction is for phase: input (the answer is restored; output redactions are not)' });
  }
  return problems;
}

/** One `guardrails:` entry of gateway.yaml (and the admin API's body). */
export const guardrailPolicyConfigSchema = guardrailPolicySchema
  .extend({ name: guardrailPolicyNameSchema })
  .superRefine((policy, context) => {
    policy.checks.forEach((check, index) => {
      for (const problem of guardrailCheckProblems(check)) context.addIssue({ code: 'custom', path: ['checks', index, ...problem.path], message: problem.message });
    });
  });
export type GuardrailPolicyConfig = z.infer<typeof guardrailPolicyConfigSchema>;

/** `guardrails:` of gateway.yaml: policies with unique names. */
export const guardrailPoliciesConfigSchema = z.array(guardrailPolicyConfigSchema).superRefine((policies, context) => {
  const names = new Set<string>();
  policies.forEach((policy, index) => {
    if (names.has(policy.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate guardrail policy name "${policy.name}"` });
    names.add(policy.name);
  });
});

/** Names in a `guardrails: [...]` list that no policy defines, with their index. */
export function unknownGuardrailProblems(names: readonly string[] | undefined, policies: ReadonlySet<string>): Array<{ path: number[]; message: string }> {
  return (names ?? []).flatMap((name, index) => (policies.has(name) ? [] : [{ path: [index], message: `unknown guardrail policy "${name}" (declare it under guardrails)` }]));
}
