/**
 * Tokens are words in every fake provider, so tests can predict counts exactly: counting them,
 * cutting a text to a token limit, and the pieces a stream sends.
 */

/** The number of whitespace-separated words in the text. */
export function countTokens(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/** The text cut into words, each with the white space before it, so the pieces join back to the text. */
export function wordPieces(text: string): string[] {
  return text.split(/(?=\s)/).filter((piece) => piece.length > 0);
}

/** The text's first `limit` words (with the white space between them). */
export function cutToTokens(text: string, limit: number): string {
  return text
    .split(/(?=\s)/)
    .filter((piece) => piece.trim().length > 0)
    .slice(0, limit)
    .join('');
}

/** The text in pieces of `size` characters, as streams send JSON arguments. */
export function splitPieces(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
}
