import type { PlaceholderCounts } from '@gateway/contracts';

/**
 * Hands out typed placeholders for one request: `<EMAIL_ADDRESS_1>`, `<EMAIL_ADDRESS_2>`…; the same
 * value of the same type always gets the same placeholder, so the model still sees that two mentions
 * are one person or one address. Numbering may start after counts already used (the input's, when
 * the output is checked), so an output placeholder never collides with one that is restored.
 */
export class PlaceholderAllocator {
  readonly #byValue = new Map<string, string>();
  readonly #counts = new Map<string, number>();

  constructor(start: PlaceholderCounts = {}) {
    for (const [type, count] of Object.entries(start)) this.#counts.set(type, count);
  }

  placeholderFor(type: string, value: string): string {
    const key = `${type}\u0000${value}`;
    const known = this.#byValue.get(key);
    if (known) return known;
    const next = (this.#counts.get(type) ?? 0) + 1;
    this.#counts.set(type, next);
    const placeholder = `<${type}_${next}>`;
    this.#byValue.set(key, placeholder);
    return placeholder;
  }

  counts(): PlaceholderCounts {
    return Object.fromEntries(this.#counts);
  }
}

/** The shape of every placeholder this service writes. */
export const placeholderPattern = /<[A-Z][A-Z_]*_\d+>/g;
