import { loggedBodyMaxChars } from '@gateway/contracts';
import { scrubSecrets } from '@gateway/guardrail-client';

/**
 * How much more than the limit is kept before scrubbing: the longest secret (or reversibly redacted
 * value) that may straddle the cut. What is scrubbed is then cut again with this margin taken off its
 * end, so a secret cut in half there, which no detector recognises any more, never reaches the log.
 */
export const scrubMarginChars = 4096;

/** Text kept while a body is collected: the limit, plus the margin the scrubbing needs. */
export const collectedBodyChars = loggedBodyMaxChars + scrubMarginChars;

/**
 * Puts back the placeholders of values the guardrails redacted reversibly (the client got the values
 * back, the log must not), longest value first so that one value inside another is not split.
 */
export function withPlaceholders(text: string, restore: Readonly<Record<string, string>>): string {
  const byValue = Object.entries(restore)
    .filter(([, value]) => value.length > 0)
    .sort(([, left], [, right]) => right.length - left.length);
  let result = text;
  for (const [placeholder, value] of byValue) result = result.replaceAll(value, placeholder);
  return result;
}

/**
 * A prompt or completion as it is stored: reversibly redacted values back to their placeholders,
 * every secret replaced by `<SECRET_n>` (whatever the request's policies), then cut to
 * `loggedBodyMaxChars`. `cut` says the collector already left text out.
 */
export function loggedBody(collected: string, options: { cut?: boolean; restore?: Readonly<Record<string, string>> } = {}): { text: string; truncated: boolean } {
  const cut = options.cut === true || collected.length > collectedBodyChars;
  let text = collected.length > collectedBodyChars ? collected.slice(0, collectedBodyChars) : collected;
  if (options.restore) text = withPlaceholders(text, options.restore);
  text = scrubSecrets(text).text;
  // Text was left out after the end: the end itself may hold half a secret.
  const keep = Math.min(loggedBodyMaxChars, cut ? Math.max(0, text.length - scrubMarginChars) : text.length);
  if (keep >= text.length) return { text, truncated: cut };
  let end = keep;
  // Never end on the first half of a surrogate pair.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), truncated: true };
}
