import type {
  GuardrailAction,
  GuardrailCheckType,
  GuardrailDenial,
  GuardrailFinding,
  GuardrailInputRequest,
  GuardrailInputResponse,
  GuardrailOutputRequest,
  GuardrailOutputResponse,
  GuardrailPhase,
  GuardrailPolicy,
  GuardrailVerdict,
} from '@gateway/contracts';
import type { InjectionModel } from '../injection/injection-model.ts';
import { detectPii } from '../pii/detect-pii.ts';
import { piiPriority } from '../pii/priority.ts';
import { resolveOverlaps, type Finding } from '../pii/finding.ts';
import { compiledPolicy, patternFindings, type CompiledCheck } from './compile-policy.ts';
import { jsonSchemaProblem } from './json-output.ts';
import { PlaceholderAllocator } from './placeholders.ts';

export interface RunOptions {
  injectionModel: InjectionModel;
  /** Called once per check run with its duration (for `gateway_guardrail_check_seconds`). */
  observe?: (check: GuardrailCheckType, seconds: number) => void;
}

/** Roles whose text can carry an injection: what users and tools wrote (not the developer's system prompt). */
const injectionRoles = new Set(['user', 'tool', 'function', 'document']);

interface Segment {
  role: string;
  text: string;
}

/** A match that changes or fails the text, with the check and whether its value is to be restored. */
interface ActiveFinding extends Finding {
  action: GuardrailAction;
  reversible: boolean;
  policy: string;
  index: number;
}

interface CheckOutcome {
  verdict: GuardrailVerdict;
  findings: Array<{ segment: number; finding: Finding }>;
  denial?: string;
}

function appliesTo(phase: GuardrailPhase, wanted: 'input' | 'output'): boolean {
  return phase === 'both' || phase === wanted;
}

function countByType(findings: ReadonlyArray<{ finding: Finding }>): Record<string, number> | undefined {
  if (findings.length === 0) return undefined;
  const counts: Record<string, number> = {};
  for (const { finding } of findings) counts[finding.type] = (counts[finding.type] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: Record<string, number> | undefined): string {
  return Object.entries(counts ?? {})
    .map(([type, count]) => `${type} (${count})`)
    .join(', ');
}

/** Runs one check over the segments; never looks at another check's result. */
function runCheck(
  compiled: CompiledCheck,
  segments: readonly Segment[],
  context: { policy: string; index: number; phase: 'input' | 'output'; complete: boolean; options: RunOptions },
): CheckOutcome | undefined {
  const { check } = compiled;
  const base = { policy: context.policy, check: compiled.type, index: context.index, action: check.action };
  const outcome = (found: Array<{ segment: number; finding: Finding }>, fired: boolean, detail: string, score?: number): CheckOutcome => {
    const entities = fired ? countByType(found) : undefined;
    const verdict: GuardrailVerdict = { ...base, verdict: fired ? check.action : 'pass', ...(entities ? { entities } : {}), ...(score !== undefined ? { score } : {}) };
    return { verdict, findings: fired ? found : [], ...(fired && check.action === 'deny' ? { denial: detail } : {}) };
  };
  const perSegment = (find: (text: string) => Finding[]) => segments.flatMap((segment, index) => find(segment.text).map((finding) => ({ segment: index, finding })));

  switch (compiled.type) {
    case 'pii': {
      const found = perSegment((text) => detectPii(text, compiled.entities));
      return outcome(found, found.length > 0, `found ${describeCounts(countByType(found))}`);
    }
    case 'regex': {
      const found = perSegment((text) => patternFindings(text, compiled.pattern, 'REGEX'));
      return outcome(found, found.length > 0, 'the text matches a denied pattern');
    }
    case 'keywords': {
      const found = perSegment((text) => patternFindings(text, compiled.pattern, 'KEYWORD'));
      return outcome(found, found.length > 0, 'the text contains a denied keyword');
    }
    case 'denied_topics': {
      const found = perSegment((text) => compiled.topics.flatMap((topic) => patternFindings(text, topic.pattern, `TOPIC:${topic.name}`)));
      const topics = [...new Set(found.map(({ finding }) => finding.type.slice('TOPIC:'.length)))];
      return outcome(found, found.length > 0, `denied topic ${topics.join(', ')}`);
    }
    case 'prompt_injection': {
      let score = 0;
      // On output the answer itself is scored (an answer carrying instructions for the next agent).
      for (const segment of segments) {
        if (context.phase === 'output' || injectionRoles.has(segment.role)) score = Math.max(score, context.options.injectionModel.score(segment.text));
      }
      score = Math.round(score * 1000) / 1000;
      return outcome([], score >= compiled.check.threshold, `prompt injection score ${score} ≥ ${compiled.check.threshold}`, score);
    }
    case 'max_size': {
      if (!context.complete) return undefined;
      const size = segments.reduce((sum, segment) => sum + segment.text.length, 0);
      return outcome([], size > compiled.check.max_chars, `${size} characters, more than ${compiled.check.max_chars}`);
    }
    case 'json_schema': {
      if (!context.complete) return undefined;
      const problem = jsonSchemaProblem(segments.map((segment) => segment.text).join(''), compiled.check.schema);
      return outcome([], problem !== undefined, `the output does not match the schema: ${problem}`);
    }
  }
}

interface Evaluation {
  verdicts: GuardrailVerdict[];
  denial?: GuardrailDenial;
  /** Matches of checks that fired, per segment. */
  findings: Array<Array<ActiveFinding>>;
}

/**
 * Runs the checks of every policy for one phase, in order; the first deny ends the run (later checks
 * would only describe a request that is refused anyway). Every check sees the original text.
 */
function evaluate(policies: readonly GuardrailPolicy[], segments: readonly Segment[], phase: 'input' | 'output', complete: boolean, options: RunOptions): Evaluation {
  const verdicts: GuardrailVerdict[] = [];
  const findings: ActiveFinding[][] = segments.map(() => []);
  for (const policy of policies) {
    for (const { index, compiled } of compiledPolicy(policy).checks) {
      if (!appliesTo(compiled.check.phase, phase)) continue;
      const started = performance.now();
      const outcome = runCheck(compiled, segments, { policy: policy.name, index, phase, complete, options });
      options.observe?.(compiled.type, (performance.now() - started) / 1000);
      if (!outcome) continue;
      verdicts.push(outcome.verdict);
      const reversible = compiled.type === 'pii' && compiled.check.reversible;
      for (const { segment, finding } of outcome.findings) findings[segment]!.push({ ...finding, action: outcome.verdict.verdict as GuardrailAction, reversible, policy: policy.name, index });
      if (outcome.denial !== undefined) {
        return {
          verdicts,
          findings,
          denial: { policy: policy.name, check: compiled.type, index, message: `${compiled.type} check of policy ${policy.name}: ${outcome.denial}` },
        };
      }
    }
  }
  return { verdicts, findings };
}

/** Replaces the redact findings of a text by placeholders; records reversible ones in `restore`. */
function redact(text: string, findings: readonly ActiveFinding[], placeholders: PlaceholderAllocator, restore: Record<string, string>): { text: string; changed: boolean } {
  const spans = resolveOverlaps(
    findings.filter((finding) => finding.action === 'redact'),
    piiPriority,
  );
  if (spans.length === 0) return { text, changed: false };
  let result = '';
  let position = 0;
  for (const span of spans) {
    const value = text.slice(span.start, span.end);
    const placeholder = placeholders.placeholderFor(span.type, value);
    if (span.reversible) restore[placeholder] = value;
    result += text.slice(position, span.start) + placeholder;
    position = span.end;
  }
  return { text: result + text.slice(position), changed: true };
}

export function checkInput(request: GuardrailInputRequest, options: RunOptions): GuardrailInputResponse {
  const evaluation = evaluate(request.policies, request.segments, 'input', true, options);
  if (evaluation.denial) return { action: 'deny', denial: evaluation.denial, verdicts: evaluation.verdicts };
  const placeholders = new PlaceholderAllocator();
  const restore: Record<string, string> = {};
  let changed = false;
  const segments = request.segments.map((segment, index) => {
    const result = redact(segment.text, evaluation.findings[index]!, placeholders, restore);
    changed ||= result.changed;
    return result.text;
  });
  if (!changed) return { action: 'allow', verdicts: evaluation.verdicts };
  return {
    action: 'allow',
    verdicts: evaluation.verdicts,
    segments,
    ...(Object.keys(restore).length > 0 ? { restore } : {}),
    placeholderCounts: placeholders.counts(),
  };
}

export function checkOutput(request: GuardrailOutputRequest, options: RunOptions): GuardrailOutputResponse {
  const evaluation = evaluate(request.policies, [{ role: 'assistant', text: request.text }], 'output', request.complete, options);
  const active = evaluation.findings[0]!;
  const findings: GuardrailFinding[] = active
    .map((finding) => ({ start: finding.start, end: finding.end, type: finding.type, action: finding.action, policy: finding.policy, index: finding.index }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  if (evaluation.denial) return { action: 'deny', denial: evaluation.denial, verdicts: evaluation.verdicts, findings };
  const placeholders = new PlaceholderAllocator(request.placeholderCounts);
  const result = redact(request.text, active, placeholders, {});
  return {
    action: 'allow',
    verdicts: evaluation.verdicts,
    findings,
    ...(result.changed ? { text: result.text, placeholderCounts: placeholders.counts() } : {}),
  };
}
