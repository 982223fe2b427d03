import { placeholderPattern } from './placeholders.ts';

/**
 * Puts the original values back for the placeholders of a reversible redaction (`restore` from the
 * input check). Placeholders it does not know (an output redaction, or one the model made up) stay.
 */
export function restorePlaceholders(text: string, restore: Readonly<Record<string, string>>): string {
  if (!text.includes('<')) return text;
  return text.replace(placeholderPattern, (placeholder) => restore[placeholder] ?? placeholder);
}

/** Longest placeholder a stream may hold back waiting for its end. */
const maxPlaceholderLength = 48;

/**
 * Where a placeholder that the text may still be in the middle of begins (`… <EMAIL_ADD` at the end of
 * a chunk), or the text's length when it cannot end in one.
 */
export function partialPlaceholderStart(text: string): number {
  const open = text.lastIndexOf('<');
  if (open === -1 || text.length - open > maxPlaceholderLength) return text.length;
  return /^<[A-Z_0-9]*$/.test(text.slice(open)) ? open : text.length;
}
