/**
 * An operation over several keys that must happen all at once across replicas (reserve budget, count a
 * request against a limit, record a failure and maybe eject a deployment). Redis runs the Lua; the
 * in-memory store runs `memory`, the same steps in TypeScript, synchronously, so nothing interleaves
 * there either. Both get the current time from the store (Redis `TIME`, `Date.now()` in memory), so
 * replicas with skewed clocks agree.
 *
 * Scripts use only plain string values (GET, SET with PX, INCRBY, INCRBYFLOAT, DEL, PTTL, PEXPIRE), the
 * operations `ScriptKeys` offers, so the two implementations stay the same program. Keys must be passed
 * in `keys` (never built inside the script), so the store's key prefix applies to them.
 */
export interface AtomicScript<Result> {
  /** Unique per script: Redis registers it under this name. */
  readonly name: string;
  /** The Lua body: `KEYS[i]`, `ARGV[i]` (strings), and `ARGV[#ARGV]` is the store's time in ms. */
  readonly lua: string;
  /** The same steps over the memory store's keys. `now` is the store's time in ms. */
  memory(keys: ScriptKeys, keyNames: readonly string[], args: readonly string[], now: number): unknown;
  /** Turns what either implementation returned (Redis reply or `memory`'s value) into the result. */
  parse(reply: unknown): Result;
}

/** The key operations a script may use, with Redis's semantics. */
export interface ScriptKeys {
  get(key: string): string | null;
  /** SET key value [PX ttlMs]. */
  set(key: string, value: string, ttlMs?: number): void;
  del(key: string): void;
  /** INCRBY: the key is created at 0, its TTL kept. */
  incrBy(key: string, by: number): number;
  /** INCRBYFLOAT: as INCRBY, for decimals. */
  incrByFloat(key: string, by: number): number;
  /** PTTL: -2 when the key does not exist, -1 when it has no TTL. */
  pttl(key: string): number;
  pexpire(key: string, ttlMs: number): void;
}

/** Lua preamble every script gets: `now` (ms, from Redis TIME) as the last ARGV. */
export function luaWithClock(body: string): string {
  return `local now = tonumber(ARGV[#ARGV])\n${body}`;
}
