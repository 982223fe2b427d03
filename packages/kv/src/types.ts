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
  ping(): Promise<void>;
  close(): Promise<void>;
}
