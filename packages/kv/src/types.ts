import type { AtomicScript } from './atomic-script.ts';

/**
 * The small key-value surface the gateway needs from Redis (cache entries, counters, shared health).
 * Two implementations with the same behaviour: Redis (ioredis) and in-memory for embedded mode.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Sets a value; with `ttlMs` it expires after that long. */
  set(key: string, value: string, options?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Adds to an integer counter (created at 0); `ttlMs` is set when the counter is created. */
  increment(key: string, by?: number, options?: { ttlMs?: number }): Promise<number>;
  /** Runs an atomic script (see atomic-script.ts) over `keys` with `args`. */
  run<Result>(script: AtomicScript<Result>, keys: readonly string[], args?: ReadonlyArray<string | number>): Promise<Result>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
