import type { GuardrailVerdict } from '@gateway/contracts';

const severity = { pass: 0, flag: 1, redact: 2, deny: 3 } as const;

/** A request's guardrail outcome in one word: its most severe check verdict; null when no policy applied. */
export function worstVerdict(verdicts: readonly GuardrailVerdict[] | null): GuardrailVerdict['verdict'] | null {
  if (verdicts === null || verdicts.length === 0) return null;
  return verdicts.reduce<GuardrailVerdict['verdict']>((worst, verdict) => (severity[verdict.verdict] > severity[worst] ? verdict.verdict : worst), 'pass');
}
