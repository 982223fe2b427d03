import type { AtomicScript } from '@gateway/kv';

/**
 * The three atomic steps of an Idempotency-Key (see idempotency.ts). The value under a key is either a
 * pending marker (`pending <token> <request hash>`: a request holds it and is running) or a stored
 * answer (JSON). Only the holder of a marker may turn it into an answer or give it up, so a request
 * whose marker expired cannot overwrite or delete what a later request claimed.
 */

/** Claims the key with the marker in ARGV[1] for ARGV[2] ms, or returns what is there. */
export const claimOrRead: AtomicScript<{ claimed: true } | { claimed: false; value: string }> = {
  name: 'idempotency_claim_or_read',
  lua: `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, ''}`,
  memory(keys, [key], [marker, ttlMs]) {
    const existing = keys.get(key!);
    if (existing !== null) return [0, existing];
    keys.set(key!, marker!, Number(ttlMs));
    return [1, ''];
  },
  parse(reply) {
    const [claimed, value] = reply as [number, string];
    return Number(claimed) === 1 ? { claimed: true } : { claimed: false, value: String(value) };
  },
};

/** Replaces the marker ARGV[1] with the answer ARGV[2] for ARGV[3] ms; false when the marker is not there. */
export const completeClaim: AtomicScript<boolean> = {
  name: 'idempotency_complete',
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`,
  memory(keys, [key], [marker, value, ttlMs]) {
    if (keys.get(key!) !== marker) return 0;
    keys.set(key!, value!, Number(ttlMs));
    return 1;
  },
  parse: (reply) => Number(reply) === 1,
};

/** Deletes the key if it still holds the marker ARGV[1]. */
export const releaseClaim: AtomicScript<boolean> = {
  name: 'idempotency_release',
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`,
  memory(keys, [key], [marker]) {
    if (keys.get(key!) !== marker) return 0;
    keys.del(key!);
    return 1;
  },
  parse: (reply) => Number(reply) === 1,
};
