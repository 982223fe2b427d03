import { resolveOverlaps } from './finding.ts';
import { PlaceholderAllocator } from './placeholders.ts';
import { detectSecret } from './secret-detector.ts';

const secretPlaceholder = /<SECRET_(\d+)>/g;

/**
 * Replaces every secret in a text (see `detectSecret`) with a typed placeholder: `<SECRET_1>`, the same
 * value always the same placeholder. Numbering starts after the `<SECRET_n>` already in the text (a
 * guardrail's redaction), so two different values never share a placeholder. `count` is how many
 * spans were replaced.
 */
export function scrubSecrets(text: string): { text: string; count: number } {
  const findings = resolveOverlaps(detectSecret(text));
  if (findings.length === 0) return { text, count: 0 };
  let used = 0;
  for (const match of text.matchAll(secretPlaceholder)) used = Math.max(used, Number(match[1]));
  const placeholders = new PlaceholderAllocator({ SECRET: used });
  let scrubbed = '';
  let position = 0;
  for (const finding of findings) {
    scrubbed += text.slice(position, finding.start) + placeholders.placeholderFor('SECRET', text.slice(finding.start, finding.end));
    position = finding.end;
  }
  return { text: scrubbed + text.slice(position), count: findings.length };
}
