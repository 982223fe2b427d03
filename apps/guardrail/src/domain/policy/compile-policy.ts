import { piiEntityTypes, splitInlineFlags, type GuardrailCheck, type GuardrailPolicy, type PiiEntityType } from '@gateway/contracts';
import type { Finding } from '../pii/finding.ts';

/** A check made ready to run: patterns compiled once per distinct policy. */
export type CompiledCheck =
  | { type: 'pii'; check: Extract<GuardrailCheck, { type: 'pii' }>; entities: ReadonlySet<PiiEntityType> }
  | { type: 'prompt_injection'; check: Extract<GuardrailCheck, { type: 'prompt_injection' }> }
  | { type: 'denied_topics'; check: Extract<GuardrailCheck, { type: 'denied_topics' }>; topics: Array<{ name: string; pattern: RegExp }> }
  | { type: 'keywords'; check: Extract<GuardrailCheck, { type: 'keywords' }>; pattern: RegExp }
  | { type: 'regex'; check: Extract<GuardrailCheck, { type: 'regex' }>; pattern: RegExp }
  | { type: 'max_size'; check: Extract<GuardrailCheck, { type: 'max_size' }> }
  | { type: 'json_schema'; check: Extract<GuardrailCheck, { type: 'json_schema' }> };

export interface CompiledPolicy {
  name: string;
  checks: Array<{ index: number; compiled: CompiledCheck }>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Terms as whole words (letters and digits on neither side), whitespace inside a term matching any run of it. */
function wordsPattern(terms: readonly string[], caseSensitive: boolean): RegExp {
  const alternatives = [...terms].sort((a, b) => b.length - a.length).map((term) => escapeRegExp(term.trim()).replace(/\s+/g, '\\s+'));
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, caseSensitive ? 'gu' : 'giu');
}

export function compileCheck(check: GuardrailCheck): CompiledCheck {
  switch (check.type) {
    case 'pii':
      return { type: 'pii', check, entities: new Set(check.entities ?? piiEntityTypes) };
    case 'denied_topics':
      return { type: 'denied_topics', check, topics: check.topics.map((topic) => ({ name: topic.name, pattern: wordsPattern(topic.terms, false) })) };
    case 'keywords':
      return { type: 'keywords', check, pattern: wordsPattern(check.keywords, check.case_sensitive) };
    case 'regex': {
      const { source, flags } = splitInlineFlags(check.pattern);
      return { type: 'regex', check, pattern: new RegExp(source, `${flags}gu`) };
    }
    case 'prompt_injection':
      return { type: 'prompt_injection', check };
    case 'max_size':
      return { type: 'max_size', check };
    case 'json_schema':
      return { type: 'json_schema', check };
  }
}

export function compilePolicy(policy: GuardrailPolicy): CompiledPolicy {
  return { name: policy.name, checks: policy.checks.map((check, index) => ({ index, compiled: compileCheck(check) })) };
}

/** Every match of a global pattern as a finding of `type`; empty matches are skipped. */
export function patternFindings(text: string, pattern: RegExp, type: string): Finding[] {
  const found: Finding[] = [];
  for (const match of text.matchAll(pattern)) if (match[0].length > 0) found.push({ type, start: match.index, end: match.index + match[0].length });
  return found;
}

const cache = new Map<string, CompiledPolicy>();
const maxCached = 512;

/** Compiled policies, kept per distinct policy (the API sends them with every request). */
export function compiledPolicy(policy: GuardrailPolicy): CompiledPolicy {
  const key = JSON.stringify(policy);
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compilePolicy(policy);
    if (cache.size >= maxCached) cache.delete(cache.keys().next().value!);
    cache.set(key, compiled);
  }
  return compiled;
}
