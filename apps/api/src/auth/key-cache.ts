import { configChanged } from '@gateway/contracts';
import type { Bus } from '@gateway/bus';
import type { KeyCacheSettings } from '@gateway/config';
import { hashGatewayKey, type Limits, type ModelLimits } from '@gateway/db';

export interface CachedKey {
  id: string;
  name: string;
  models: string[] | null;
  metadata: Record<string, unknown>;
  strict: boolean;
  /** The key's limits and budget; absent means none (see limits/). */
  limits?: Limits;
  /** Limits per requested model name; absent or null means none. */
  modelLimits?: ModelLimits | null;
  /** The key's response-cache settings (`scope` included: see cache/cache-scope.ts); null when it has none. */
  cache: KeyCacheSettings | null;
  /** Names of the guardrail policies that apply to every request of the key, in order; null when it has none. */
  guardrails: string[] | null;
  /** Whether the prompts and completions of the key's requests are logged; absent means no. */
  logBodies?: boolean;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

interface Entry {
  key: CachedKey | null;
  until: number;
}

/**
 * Gateway keys by hash, in memory, so authenticating costs no database query on the hot path.
 * Any key change (create, update, revoke) published on the bus clears the cache; the TTL bounds how
 * long a missed event (core NATS is at-most-once) can keep a revoked key alive. Unknown hashes are
 * cached briefly too, so a flood of bad keys cannot hammer Postgres.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<CachedKey | null>>();
  /** Bumped by clear(), so a lookup that started before a change never re-caches stale data. */
  private generation = 0;
  private readonly subscription;

  constructor(
    private readonly options: {
      bus: Bus;
      /** Looks a key up by its plaintext (the repository hashes it and compares in constant time). */
      lookup: (plaintextKey: string) => Promise<CachedKey | null>;
      ttlMs?: number;
      negativeTtlMs?: number;
      maxEntries?: number;
    },
  ) {
    this.subscription = options.bus.subscribe(configChanged, (event) => {
      if (event.entity === 'key' || event.entity === 'all') this.clear();
    });
  }

  /** Cached by hash, so plaintext keys are never kept in memory longer than one lookup. */
  async get(plaintextKey: string): Promise<CachedKey | null> {
    const keyHash = hashGatewayKey(plaintextKey);
    const now = Date.now();
    const entry = this.entries.get(keyHash);
    if (entry && entry.until > now) {
      // Re-inserting keeps the map in least-recently-used order for eviction.
      this.entries.delete(keyHash);
      this.entries.set(keyHash, entry);
      return entry.key;
    }
    const pending = this.inFlight.get(keyHash);
    if (pending) return pending;
    const generation = this.generation;
    const lookup = this.options
      .lookup(plaintextKey)
      .then((key) => {
        if (generation !== this.generation) return key;
        if (this.entries.size >= (this.options.maxEntries ?? 100_000)) {
          const oldest = this.entries.keys().next();
          if (!oldest.done) this.entries.delete(oldest.value);
        }
        const ttl = key ? (this.options.ttlMs ?? 60_000) : (this.options.negativeTtlMs ?? 5_000);
        this.entries.set(keyHash, { key, until: Date.now() + ttl });
        return key;
      })
      .finally(() => this.inFlight.delete(keyHash));
    this.inFlight.set(keyHash, lookup);
    return lookup;
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
    this.inFlight.clear();
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
