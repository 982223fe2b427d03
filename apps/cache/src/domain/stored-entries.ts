import type { PurgeSelector } from './exact-store.ts';

interface Stored {
  scope: string;
  model: string;
  bytes: number;
  expiresAt: number;
}

export interface StoredTotals {
  entries: number;
  bytes: number;
}

/**
 * What this replica stored that is still live: the source of the `gateway_cache_entries` and
 * `gateway_cache_bytes` gauges. The store itself cannot be counted cheaply (no SCAN through the
 * key-value interface, and a purge only retires a generation), so each replica counts its own writes,
 * drops them when their TTL passes or a purge selects them, and the totals are the sum over replicas.
 * An entry written again under the same key is counted twice until the first write's TTL passes.
 */
export class StoredEntries {
  private entries: Stored[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  add(scope: string, model: string, bytes: number, ttlMs: number): void {
    this.entries.push({ scope, model, bytes, expiresAt: this.now() + ttlMs });
  }

  purge(selector: PurgeSelector): void {
    this.entries = this.entries.filter((entry) => {
      if ('all' in selector) return false;
      if ('scope' in selector) return entry.scope !== selector.scope;
      return entry.model !== selector.model;
    });
  }

  /** Live entries and their bytes by model; expired entries are dropped on the way. */
  totals(): Map<string, StoredTotals> {
    const now = this.now();
    this.entries = this.entries.filter((entry) => entry.expiresAt > now);
    const totals = new Map<string, StoredTotals>();
    for (const entry of this.entries) {
      const total = totals.get(entry.model) ?? { entries: 0, bytes: 0 };
      total.entries += 1;
      total.bytes += entry.bytes;
      totals.set(entry.model, total);
    }
    return totals;
  }
}
