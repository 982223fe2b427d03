import type { Warning } from '../types.ts';

/**
 * Warnings gathered while translating one request, each said once: five documents dropped from a
 * conversation make one warning, not five.
 */
export class WarningList {
  readonly #warnings: Warning[] = [];
  readonly #seen = new Set<string>();

  add(warning: Warning): void {
    if (this.#seen.has(warning.message)) return;
    this.#seen.add(warning.message);
    this.#warnings.push(warning);
  }

  list(): Warning[] {
    return [...this.#warnings];
  }
}
