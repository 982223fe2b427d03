import type { ScriptKeys } from './atomic-script.ts';
import type { KeyValueStore } from './types.ts';

interface Entry {
  value: string;
  expiresAt: number | null;
}

/** In-process store for embedded mode; expired entries are dropped when read and by a periodic sweep. */
export function createMemoryStore(options: { sweepIntervalMs?: number } = {}): KeyValueStore {
  const entries = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt !== null && entry.expiresAt <= now) entries.delete(key);
  }, options.sweepIntervalMs ?? 30_000);
  sweep.unref();
  const scriptKeys: ScriptKeys = {
    get: (key) => live(key)?.value ?? null,
    set: (key, value, ttlMs) => {
      entries.set(key, { value, expiresAt: ttlMs ? Date.now() + ttlMs : null });
    },
    del: (key) => {
      entries.delete(key);
    },
    incrBy: (key, by) => addTo(key, by, true),
    incrByFloat: (key, by) => addTo(key, by, false),
    pttl: (key) => {
      const entry = live(key);
      if (!entry) return -2;
      return entry.expiresAt === null ? -1 : Math.max(0, entry.expiresAt - Date.now());
    },
    pexpire: (key, ttlMs) => {
      const entry = live(key);
      if (entry) entry.expiresAt = Date.now() + ttlMs;
    },
  };
  function addTo(key: string, by: number, integer: boolean): number {
    const entry = live(key);
    const current = entry ? Number(entry.value) : 0;
    if (Number.isNaN(current) || (integer && !Number.isInteger(current))) throw new Error(`value at ${key} is not ${integer ? 'an integer' : 'a number'}`);
    const next = current + by;
    entries.set(key, { value: String(next), expiresAt: entry ? entry.expiresAt : null });
    return next;
  }
  return {
    kind: 'memory',
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, settings) {
      entries.set(key, { value, expiresAt: settings?.ttlMs ? Date.now() + settings.ttlMs : null });
    },
    async delete(key) {
      return live(key) !== undefined && entries.delete(key);
    },
    async increment(key, by = 1, settings) {
      const entry = live(key);
      const current = entry ? Number.parseInt(entry.value, 10) : 0;
      if (Number.isNaN(current)) throw new Error(`value at ${key} is not an integer`);
      const next = current + by;
      entries.set(key, { value: String(next), expiresAt: entry ? entry.expiresAt : settings?.ttlMs ? Date.now() + settings.ttlMs : null });
      return next;
    },
    async run(script, keys, args = []) {
      // Synchronous from start to end: no other operation on this store can interleave.
      return script.parse(script.memory(scriptKeys, keys, args.map(String), Date.now()));
    },
    async ping() {},
    async close() {
      clearInterval(sweep);
      entries.clear();
    },
  };
}
