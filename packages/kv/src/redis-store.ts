import { Redis } from 'ioredis';
import { luaWithClock, type AtomicScript } from './atomic-script.ts';
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
  // Scripts are registered once (EVALSHA, loaded again after a Redis restart by ioredis); the clock is
  // read inside the script so every replica sees Redis's time.
  const defined = new Set<string>();
  const clock = `local time = redis.call('TIME')\ntable.insert(ARGV, tostring(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)))\n`;
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
    async run<Result>(script: AtomicScript<Result>, keys: readonly string[], args: ReadonlyArray<string | number> = []) {
      const command = `gatewayScript_${script.name}`;
      if (!defined.has(command)) {
        redis.defineCommand(command, { lua: clock + luaWithClock(script.lua) });
        defined.add(command);
      }
      const call = (redis as unknown as Record<string, (...parts: Array<string | number>) => Promise<unknown>>)[command]!;
      return script.parse(await call.call(redis, keys.length, ...keys, ...args));
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit();
    },
  };
}
