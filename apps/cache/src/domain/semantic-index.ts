/**
 * The service-side vector index of the semantic cache: exact nearest neighbour by brute force within one
 * partition (a partition is one scope + model + system prompt + history + parameters, so it stays
 * small), with the vectors kept in the KeyValueStore so that every replica, and a restarted one, finds
 * them.
 *
 * Keys (partition and id are percent-encoded, so neither contains `:`):
 * - `cache:vec:<partition>:<id>`  the vector, base64 of its Float32 bytes, with the entry's TTL;
 * - `cache:vecidx:<partition>`    the member list, one `<expiresAtMs> <id>` line per add, kept by an
 *                                 atomic script that appends, and now and then rewrites it without
 *                                 expired or superseded lines, evicting the oldest above the cap;
 * - `cache:vecver:<partition>`    a version that every add and remove moves.
 *
 * A replica loads a partition on its first search and keeps it in memory with the version it saw. Each
 * search reads the version (one GET); when it moved, the replica re-reads the member list and fetches
 * only the vectors it does not hold yet.
 *
 * Redis vector search (RediSearch / Valkey Search) is not used yet: detecting it needs `FT._LIST` and
 * querying it needs `FT.SEARCH`, raw commands the KeyValueStore interface does not expose (it offers
 * get/set/delete/increment and scripts limited to plain string operations, the same program on Redis
 * and in memory). See docs/caching.md.
 */
import { decodeVector, encodeVector } from '@gateway/cache-client';
import type { AtomicScript, KeyValueStore } from '@gateway/kv';

export const DEFAULT_MAX_MEMBERS_PER_PARTITION = 10_000;
/** Adds between two rewrites of a member list that drop expired lines (it is also rewritten at the cap). */
export const DEFAULT_COMPACT_EVERY = 256;
export const DEFAULT_MAX_LOADED_PARTITIONS = 10_000;

export interface SemanticIndexOptions {
  /** Members kept per partition; above it the oldest added are evicted. */
  maxMembersPerPartition?: number;
  compactEvery?: number;
  /** Partitions held in memory by this replica (least recently searched dropped first). */
  maxLoadedPartitions?: number;
  /** Concurrent GETs when loading the vectors of a partition. */
  loadConcurrency?: number;
}

export interface SemanticMatch {
  id: string;
  similarity: number;
}

export interface SemanticIndexStats {
  /** Partitions this replica holds in memory. */
  partitions: number;
  /** Vectors this replica holds in memory. */
  entries: number;
  /** Bytes of those vectors (Float32). */
  bytes: number;
}

export interface SemanticIndex {
  /** Stores a vector (normalised on the way in) under `id` in `partition` for `ttlMs`. */
  add(partition: string, id: string, vector: Float32Array, ttlMs: number): Promise<void>;
  /** The most similar member at or above `threshold` (cosine similarity), or null. */
  search(partition: string, vector: Float32Array, threshold: number): Promise<SemanticMatch | null>;
  remove(partition: string, id: string): Promise<void>;
  /** Members of a partition held in memory (after the last search or add). */
  size(partition: string): number;
  stats(): SemanticIndexStats;
}

interface Member {
  vector: Float32Array;
  expiresAt: number;
}

interface LoadedPartition {
  /** The version key's value when the members were read; null until the first read. */
  version: string | null;
  members: Map<string, Member>;
}

const encode = (part: string) => encodeURIComponent(part);
const vectorKey = (partition: string, id: string) => `cache:vec:${encode(partition)}:${encode(id)}`;
const listKey = (partition: string) => `cache:vecidx:${encode(partition)}`;
const versionKey = (partition: string) => `cache:vecver:${encode(partition)}`;


function normalised(vector: Float32Array): Float32Array {
  let squares = 0;
  for (let index = 0; index < vector.length; index += 1) squares += vector[index]! * vector[index]!;
  const copy = new Float32Array(vector);
  if (squares === 0) return copy;
  const scale = 1 / Math.sqrt(squares);
  for (let index = 0; index < copy.length; index += 1) copy[index]! *= scale;
  return copy;
}

/** Dot product unrolled by four: this loop is the whole cost of a search. */
function dot(left: Float32Array, right: Float32Array): number {
  const length = left.length;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let index = 0;
  for (; index + 4 <= length; index += 4) {
    a += left[index]! * right[index]!;
    b += left[index + 1]! * right[index + 1]!;
    c += left[index + 2]! * right[index + 2]!;
    d += left[index + 3]! * right[index + 3]!;
  }
  for (; index < length; index += 1) a += left[index]! * right[index]!;
  return a + b + c + d;
}

/** Parses a member list: the last line of an id wins (a re-add), in the order of those last lines. */
export function parseMemberList(list: string): Map<string, number> {
  const members = new Map<string, number>();
  for (const line of list.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const id = decodeURIComponent(line.slice(space + 1));
    members.delete(id);
    members.set(id, Number(line.slice(0, space)));
  }
  return members;
}

// Shared by both scripts: rewrites the list without expired and superseded lines; returns the kept lines
// (oldest first) and the latest expiry among them.
const luaCompact = `
local function compact(list, now)
  local ids, expiries, last = {}, {}, {}
  for expiry, id in string.gmatch(list, '(%d+) ([^\\n]+)\\n') do
    ids[#ids + 1] = id
    expiries[#expiries + 1] = tonumber(expiry)
    last[id] = #ids
  end
  local kept, keptExpiries = {}, {}
  for index = 1, #ids do
    if last[ids[index]] == index and expiries[index] > now then
      kept[#kept + 1] = ids[index]
      keptExpiries[#keptExpiries + 1] = expiries[index]
    end
  end
  return kept, keptExpiries
end
local function bumpVersion(key, now, ttl)
  local version
  if redis.call('GET', key) then version = redis.call('INCRBY', key, 1)
  else version = now; redis.call('SET', key, string.format('%d', now)) end
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  return version
end`;

/**
 * KEYS: member list, version. ARGV: encoded id, ttlMs, cap, compactEvery.
 * Returns [version, expiresAt, ...evicted encoded ids].
 */
const addMemberScript: AtomicScript<{ version: number; expiresAt: number; evicted: string[] }> = {
  name: 'cache_semantic_add',
  lua: `${luaCompact}
local id, ttl, cap, every = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local expiresAt = now + ttl
local list = (redis.call('GET', KEYS[1]) or '') .. string.format('%d', expiresAt) .. ' ' .. id .. '\\n'
local listTtl = redis.call('PTTL', KEYS[1])
if listTtl < ttl then listTtl = ttl end
local _, lines = string.gsub(list, '\\n', '')
local version = bumpVersion(KEYS[2], now, listTtl)
local evicted = {}
if lines > cap or version % every == 0 then
  local kept, keptExpiries = compact(list, now)
  local first = 1
  if #kept > cap then first = #kept - cap + 1 end
  for index = 1, first - 1 do evicted[#evicted + 1] = kept[index] end
  local parts, latest = {}, now
  for index = first, #kept do
    parts[#parts + 1] = string.format('%d', keptExpiries[index]) .. ' ' .. kept[index] .. '\\n'
    if keptExpiries[index] > latest then latest = keptExpiries[index] end
  end
  list = table.concat(parts)
  listTtl = latest - now
end
redis.call('SET', KEYS[1], list, 'PX', listTtl)
redis.call('PEXPIRE', KEYS[2], listTtl)
local reply = {version, expiresAt}
for index = 1, #evicted do reply[#reply + 1] = evicted[index] end
return reply`,
  memory(keys, [list, version], [id, ttlText, capText, everyText], now) {
    const ttl = Number(ttlText);
    const cap = Number(capText);
    const expiresAt = now + ttl;
    let text = `${keys.get(list!) ?? ''}${expiresAt} ${id}\n`;
    let listTtl = Math.max(keys.pttl(list!), ttl);
    const current = keys.get(version!);
    const next = current === null ? now : keys.incrBy(version!, 1);
    if (current === null) keys.set(version!, String(now));
    const evicted: string[] = [];
    const lines = countLines(text);
    if (lines > cap || next % Number(everyText) === 0) {
      const kept = compactLines(text, now);
      const excess = Math.max(0, kept.length - cap);
      for (const [, keptId] of kept.slice(0, excess)) evicted.push(keptId);
      const rest = kept.slice(excess);
      text = rest.map(([expiry, keptId]) => `${expiry} ${keptId}\n`).join('');
      let latest = now;
      for (const [expiry] of rest) if (expiry > latest) latest = expiry;
      listTtl = latest - now;
    }
    keys.set(list!, text, listTtl);
    keys.pexpire(version!, listTtl);
    return [next, expiresAt, ...evicted];
  },
  parse(reply) {
    const [version, expiresAt, ...evicted] = reply as [number, number, ...string[]];
    return { version: Number(version), expiresAt: Number(expiresAt), evicted: evicted.map(String) };
  },
};

/** KEYS: member list, version. ARGV: encoded id. Returns the new version, or 0 when there was no list. */
const removeMemberScript: AtomicScript<number> = {
  name: 'cache_semantic_remove',
  lua: `${luaCompact}
local list = redis.call('GET', KEYS[1])
if not list then return 0 end
local listTtl = redis.call('PTTL', KEYS[1])
local kept, keptExpiries = compact(list, now)
local parts = {}
for index = 1, #kept do
  if kept[index] ~= ARGV[1] then parts[#parts + 1] = string.format('%d', keptExpiries[index]) .. ' ' .. kept[index] .. '\\n' end
end
if #parts == 0 then redis.call('DEL', KEYS[1]) elseif listTtl > 0 then redis.call('SET', KEYS[1], table.concat(parts), 'PX', listTtl) end
return bumpVersion(KEYS[2], now, listTtl)`,
  memory(keys, [list, version], [id], now) {
    const text = keys.get(list!);
    if (text === null) return 0;
    const listTtl = keys.pttl(list!);
    const rest = compactLines(text, now).filter(([, keptId]) => keptId !== id);
    if (rest.length === 0) keys.del(list!);
    else if (listTtl > 0) keys.set(list!, rest.map(([expiry, keptId]) => `${expiry} ${keptId}\n`).join(''), listTtl);
    const current = keys.get(version!);
    const next = current === null ? now : keys.incrBy(version!, 1);
    if (current === null) keys.set(version!, String(now));
    if (listTtl > 0) keys.pexpire(version!, listTtl);
    return next;
  },
  parse: (reply) => Number(reply),
};

function countLines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}

/** The memory twin of the Lua `compact`: [expiresAt, encoded id] of live last lines, oldest first. */
function compactLines(text: string, now: number): Array<[number, string]> {
  const latest = new Map<string, number>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const id = line.slice(space + 1);
    latest.delete(id);
    latest.set(id, Number(line.slice(0, space)));
  }
  return [...latest].filter(([, expiry]) => expiry > now).map(([id, expiry]) => [expiry, id]);
}

export function createSemanticIndex(store: KeyValueStore, options: SemanticIndexOptions = {}): SemanticIndex {
  const cap = options.maxMembersPerPartition ?? DEFAULT_MAX_MEMBERS_PER_PARTITION;
  const compactEvery = options.compactEvery ?? DEFAULT_COMPACT_EVERY;
  const maxLoaded = options.maxLoadedPartitions ?? DEFAULT_MAX_LOADED_PARTITIONS;
  const loadConcurrency = options.loadConcurrency ?? 256;
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`maxMembersPerPartition must be a positive integer, got ${cap}`);
  if (!Number.isInteger(compactEvery) || compactEvery < 1) throw new Error(`compactEvery must be a positive integer, got ${compactEvery}`);

  // Insertion order is recency: a search moves its partition to the end, the first one is dropped.
  const loaded = new Map<string, LoadedPartition>();
  const refreshing = new Map<string, Promise<LoadedPartition>>();

  function touch(partition: string, state: LoadedPartition): void {
    loaded.delete(partition);
    loaded.set(partition, state);
    if (loaded.size > maxLoaded) loaded.delete(loaded.keys().next().value!);
  }

  async function refresh(partition: string, state: LoadedPartition, version: string): Promise<LoadedPartition> {
    const list = parseMemberList((await store.get(listKey(partition))) ?? '');
    for (const [id, member] of state.members) {
      if (list.get(id) !== member.expiresAt) state.members.delete(id);
    }
    const missing = [...list].filter(([id, expiresAt]) => !state.members.has(id) && expiresAt > Date.now());
    for (let start = 0; start < missing.length; start += loadConcurrency) {
      const batch = missing.slice(start, start + loadConcurrency);
      const texts = await Promise.all(batch.map(([id]) => store.get(vectorKey(partition, id))));
      batch.forEach(([id, expiresAt], index) => {
        const text = texts[index];
        // A missing vector was removed or expired between the list and this read.
        if (text) state.members.set(id, { vector: decodeVector(text), expiresAt });
      });
    }
    // Re-insert in list order (oldest first) so the local map keeps the store's eviction order.
    const ordered = new Map<string, Member>();
    for (const id of list.keys()) {
      const member = state.members.get(id);
      if (member) ordered.set(id, member);
    }
    state.members = ordered;
    state.version = version;
    return state;
  }

  return {
    async add(partition, id, vector, ttlMs) {
      if (!(ttlMs > 0)) throw new Error(`ttlMs must be positive, got ${ttlMs}`);
      const stored = normalised(vector);
      const ttl = Math.ceil(ttlMs);
      // The vector first: a replica that sees the member must find its vector.
      await store.set(vectorKey(partition, id), encodeVector(stored), { ttlMs: ttl });
      const result = await store.run(addMemberScript, [listKey(partition), versionKey(partition)], [encode(id), ttl, cap, compactEvery]);
      await Promise.all(result.evicted.map((evicted) => store.delete(vectorKey(partition, decodeURIComponent(evicted)))));
      const state = loaded.get(partition);
      if (!state) return;
      state.members.delete(id);
      state.members.set(id, { vector: stored, expiresAt: result.expiresAt });
      for (const evicted of result.evicted) state.members.delete(decodeURIComponent(evicted));
      // Up to date only if nobody else wrote since this replica last read; otherwise the next search reloads.
      if (state.version !== null && Number(state.version) === result.version - 1) state.version = String(result.version);
    },

    async search(partition, vector, threshold) {
      const version = await store.get(versionKey(partition));
      if (version === null) {
        loaded.delete(partition);
        return null;
      }
      let state = loaded.get(partition);
      if (!state || state.version !== version) {
        let pending = refreshing.get(partition);
        if (!pending) {
          pending = refresh(partition, state ?? { version: null, members: new Map() }, version).finally(() => refreshing.delete(partition));
          refreshing.set(partition, pending);
        }
        state = await pending;
      }
      touch(partition, state);

      const query = normalised(vector);
      const now = Date.now();
      let best: SemanticMatch | null = null;
      for (const [id, member] of state.members) {
        if (member.expiresAt <= now) {
          state.members.delete(id);
          continue;
        }
        // Vectors of another dimension (a different embedder) are never comparable.
        if (member.vector.length !== query.length) continue;
        const similarity = dot(query, member.vector);
        if (similarity >= threshold && (best === null || similarity > best.similarity)) best = { id, similarity };
      }
      return best;
    },

    async remove(partition, id) {
      const version = await store.run(removeMemberScript, [listKey(partition), versionKey(partition)], [encode(id)]);
      await store.delete(vectorKey(partition, id));
      const state = loaded.get(partition);
      if (!state) return;
      state.members.delete(id);
      if (state.version !== null && Number(state.version) === version - 1) state.version = String(version);
    },

    size(partition) {
      return loaded.get(partition)?.members.size ?? 0;
    },

    stats() {
      let entries = 0;
      let bytes = 0;
      for (const state of loaded.values()) {
        entries += state.members.size;
        for (const member of state.members.values()) bytes += member.vector.byteLength;
      }
      return { partitions: loaded.size, entries, bytes };
    },
  };
}
