import { Redis } from 'ioredis';
import type { KeyValueStore } from './types.ts';

/** INCRBY that sets the TTL only when it creates the counter, atomically. */
const incrementScript = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value`;

export async function createRedisStore(options: { url: string; keyPrefix?: string }): Promise<KeyValueStore> {
  const redis = new Redis(options.url, {
    keyPrefix: options.keyPrefix ?? 'gw:',
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  redis.defineCommand('gatewayIncrement', { numberOfKeys: 1, lua: incrementScript });
  await redis.connect();
  const increment = redis as unknown as { gatewayIncrement(key: string, by: number, ttlMs: number): Promise<number> };
  return {
    kind: 'redis',
    get: (key) => redis.get(key),
    async set(key, value, settings) {
      if (settings?.ttlMs) await redis.set(key, value, 'PX', settings.ttlMs);
      else await redis.set(key, value);
    },
    async delete(key) {
      return (await redis.del(key)) > 0;
    },
    increment: (key, by = 1, settings) => increment.gatewayIncrement(key, by, settings?.ttlMs ?? 0),
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit();
    },
  };
}
