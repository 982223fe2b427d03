import type { AtomicScript, ScriptKeys } from '@gateway/kv';

/**
 * The counters of one scope (a key, or a key and one model), in this order in a script's KEYS:
 * - `rpm`: requests in the current minute window (an integer; expires at the window's end);
 * - `tpm`: tokens reserved/used in the current minute window (same);
 * - `inflight0`, `inflight1`: requests in flight and the USD they reserved, in two rotating buckets
 *   (`"<epoch> <count> <nano-USD>"`): a request is counted in the bucket of the epoch it started in, and
 *   a bucket older than the previous epoch counts as empty, so a slot that is never released (a replica
 *   died mid-request) is forgotten one to two epochs later even under constant traffic;
 * - `spend`: nano-USD settled in the current budget period (an integer; the key names the period).
 *
 * Money is kept in integer nano-USD, so sums are exact in Redis and in Lua/JS numbers alike.
 */
export const scopeKeyCount = 5;

/** Per scope in the admission script's ARGV, after the 4 global arguments. */
const admitArgsPerScope = 7;
/** Per scope in the settle script's ARGV, after the 5 global arguments. */
const settleArgsPerScope = 7;

export type LimitKind = 'rpm' | 'tpm' | 'parallel' | 'budget';
const limitKinds: readonly LimitKind[] = ['rpm', 'tpm', 'parallel', 'budget'];

/** What one scope asks of the admission script; -1 means no such limit. */
export interface ScopeAdmission {
  rpm: number;
  tpm: number;
  parallel: number;
  /** Budget in nano-USD; -1 when there is none. */
  budgetNanos: number;
  tokenEstimate: number;
  costEstimateNanos: number;
  /** TTL of the period's spend counter (to a while after the period's end). */
  spendTtlMs: number;
}

/** After admission, per scope: how much of each limit is used, this request included. */
export interface ScopeUsage {
  requests: number;
  tokens: number;
  inFlight: number;
  /** Settled spend of the period plus what requests in flight reserved, in nano-USD. */
  spentNanos: number;
}

export type AdmitResult =
  | { admitted: true; now: number; epoch: number; windowResetMs: number; scopes: ScopeUsage[] }
  | { admitted: false; now: number; scope: number; kind: LimitKind; retryAfterMs: number; limit: number; used: number };

const bucketLua = `
local function bucket(key, wanted)
  local value = redis.call('GET', key)
  if not value then return 0, 0 end
  local e, c, u = string.match(value, '^(%-?%d+) (%-?%d+) (%-?%d+)$')
  if tonumber(e) ~= wanted then return 0, 0 end
  return tonumber(c), tonumber(u)
end
`;

/**
 * Checks every limit of every scope and, only when all pass, reserves the request in all of them: one
 * request per minute window, the estimated tokens, one in-flight slot and the estimated cost. A refusal
 * changes nothing. ARGV: windowMs, epochMs, markerTtlMs, scope count, then per scope the fields of
 * ScopeAdmission in order. The last key is the request's marker (set here, removed by the settle).
 */
export const admitScript: AtomicScript<AdmitResult> = {
  name: 'limits_admit_v1',
  lua: `${bucketLua}
local windowMs = tonumber(ARGV[1])
local epochMs = tonumber(ARGV[2])
local markerTtl = tonumber(ARGV[3])
local scopes = tonumber(ARGV[4])
local epoch = math.floor(now / epochMs)
local windowLeft = windowMs - (now % windowMs)
local usage = {}
for i = 1, scopes do
  local k = (i - 1) * ${scopeKeyCount}
  local a = 4 + (i - 1) * ${admitArgsPerScope}
  local rpm, tpm, parallel, budget = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local tokens, cost = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local requests = tonumber(redis.call('GET', KEYS[k + 1]) or '0')
  local used = tonumber(redis.call('GET', KEYS[k + 2]) or '0')
  local c0, u0 = bucket(KEYS[k + 3 + (epoch % 2)], epoch)
  local c1, u1 = bucket(KEYS[k + 3 + ((epoch + 1) % 2)], epoch - 1)
  local inflight, reserved = c0 + c1, u0 + u1
  local spent = tonumber(redis.call('GET', KEYS[k + 5]) or '0')
  if rpm >= 0 and requests + 1 > rpm then return {0, now, i, 1, windowLeft, rpm, requests} end
  if tpm >= 0 and used > 0 and used + tokens > tpm then return {0, now, i, 2, windowLeft, tpm, used} end
  if parallel >= 0 and inflight + 1 > parallel then return {0, now, i, 3, 1000, parallel, inflight} end
  if budget >= 0 and (spent + reserved >= budget or spent + reserved + cost > budget) then return {0, now, i, 4, 0, budget, spent + reserved} end
  usage[i] = {requests, used, inflight, spent + reserved, c0, u0}
end
for i = 1, scopes do
  local k = (i - 1) * ${scopeKeyCount}
  local a = 4 + (i - 1) * ${admitArgsPerScope}
  local tpm, parallel, budget = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local tokens, cost = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local u = usage[i]
  if tonumber(ARGV[a + 1]) >= 0 then redis.call('SET', KEYS[k + 1], tostring(u[1] + 1), 'PX', windowLeft) end
  if tpm >= 0 then redis.call('SET', KEYS[k + 2], tostring(u[2] + tokens), 'PX', windowLeft) end
  if parallel >= 0 or budget >= 0 then
    redis.call('SET', KEYS[k + 3 + (epoch % 2)], string.format('%d %d %d', epoch, u[5] + 1, u[6] + cost), 'PX', 2 * epochMs)
  end
end
redis.call('SET', KEYS[#KEYS], tostring(epoch), 'PX', markerTtl)
local reply = {1, now, epoch, windowLeft}
for i = 1, scopes do
  local a = 4 + (i - 1) * ${admitArgsPerScope}
  local u = usage[i]
  table.insert(reply, u[1] + 1)
  table.insert(reply, u[2] + tonumber(ARGV[a + 5]))
  table.insert(reply, u[3] + 1)
  table.insert(reply, u[4] + tonumber(ARGV[a + 6]))
end
return reply`,
  memory(keys, keyNames, args, now) {
    const number = (index: number) => Number(args[index]);
    const windowMs = number(0);
    const epochMs = number(1);
    const markerTtl = number(2);
    const scopes = number(3);
    const epoch = Math.floor(now / epochMs);
    const windowLeft = windowMs - (now % windowMs);
    const usage: number[][] = [];
    for (let i = 0; i < scopes; i++) {
      const k = i * scopeKeyCount;
      const a = 4 + i * admitArgsPerScope;
      const [rpm, tpm, parallel, budget, tokens, cost] = [number(a), number(a + 1), number(a + 2), number(a + 3), number(a + 4), number(a + 5)];
      const requests = Number(keys.get(keyNames[k]!) ?? '0');
      const used = Number(keys.get(keyNames[k + 1]!) ?? '0');
      const [c0, u0] = readBucket(keys, keyNames[k + 2 + (epoch % 2)]!, epoch);
      const [c1, u1] = readBucket(keys, keyNames[k + 2 + ((epoch + 1) % 2)]!, epoch - 1);
      const inflight = c0 + c1;
      const reserved = u0 + u1;
      const spent = Number(keys.get(keyNames[k + 4]!) ?? '0');
      if (rpm >= 0 && requests + 1 > rpm) return [0, now, i + 1, 1, windowLeft, rpm, requests];
      if (tpm >= 0 && used > 0 && used + tokens > tpm) return [0, now, i + 1, 2, windowLeft, tpm, used];
      if (parallel >= 0 && inflight + 1 > parallel) return [0, now, i + 1, 3, 1000, parallel, inflight];
      if (budget >= 0 && (spent + reserved >= budget || spent + reserved + cost > budget)) return [0, now, i + 1, 4, 0, budget, spent + reserved];
      usage.push([requests, used, inflight, spent + reserved, c0, u0]);
    }
    const reply = [1, now, epoch, windowLeft];
    for (let i = 0; i < scopes; i++) {
      const k = i * scopeKeyCount;
      const a = 4 + i * admitArgsPerScope;
      const [rpm, tpm, parallel, budget, tokens, cost] = [number(a), number(a + 1), number(a + 2), number(a + 3), number(a + 4), number(a + 5)];
      const [requests, used, inflight, spent, c0, u0] = usage[i]!;
      if (rpm >= 0) keys.set(keyNames[k]!, String(requests! + 1), windowLeft);
      if (tpm >= 0) keys.set(keyNames[k + 1]!, String(used! + tokens), windowLeft);
      if (parallel >= 0 || budget >= 0) keys.set(keyNames[k + 2 + (epoch % 2)]!, `${epoch} ${c0! + 1} ${u0! + cost}`, 2 * epochMs);
      reply.push(requests! + 1, used! + tokens, inflight! + 1, spent! + cost);
    }
    keys.set(keyNames[keyNames.length - 1]!, String(epoch), markerTtl);
    return reply;
  },
  parse(reply) {
    const values = (reply as Array<number | string>).map(Number);
    if (values[0] === 0) {
      const [, now, scope, kind, retryAfterMs, limit, used] = values as [number, number, number, number, number, number, number];
      return { admitted: false, now, scope: scope - 1, kind: limitKinds[kind - 1]!, retryAfterMs, limit, used };
    }
    const [, now, epoch, windowResetMs] = values as [number, number, number, number];
    const scopes: ScopeUsage[] = [];
    for (let index = 4; index + 3 < values.length; index += 4) {
      scopes.push({ requests: values[index]!, tokens: values[index + 1]!, inFlight: values[index + 2]!, spentNanos: values[index + 3]! });
    }
    return { admitted: true, now, epoch, windowResetMs, scopes };
  },
};

/** What one scope settles; flags say which counters the admission touched. */
export interface ScopeSettlement {
  tracksTokens: boolean;
  /** Actual tokens minus the estimate (may be negative). */
  tokenDelta: number;
  tracksInFlight: boolean;
  costEstimateNanos: number;
  tracksSpend: boolean;
  actualCostNanos: number;
  spendTtlMs: number;
}

/**
 * Settles an admitted request once: removes its marker, and only if the marker was there releases its
 * in-flight slot and reservation (when its bucket is still current), corrects the minute's tokens to the
 * actual count (when the window is still the one it was reserved in; never below 0), and adds the
 * actual cost to the period's spend. A second settle of the same request finds no marker and changes
 * nothing. ARGV: windowMs, epochMs, the admission's epoch, the admission's window index, scope count,
 * then per scope the fields of ScopeSettlement in order (flags as 0/1). Returns whether it settled.
 */
export const settleScript: AtomicScript<boolean> = {
  name: 'limits_settle_v1',
  lua: `${bucketLua}
if redis.call('DEL', KEYS[#KEYS]) == 0 then return 0 end
local windowMs = tonumber(ARGV[1])
local epochMs = tonumber(ARGV[2])
local epoch = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local scopes = tonumber(ARGV[5])
for i = 1, scopes do
  local k = (i - 1) * ${scopeKeyCount}
  local a = 5 + (i - 1) * ${settleArgsPerScope}
  if ARGV[a + 1] == '1' and math.floor(now / windowMs) == window then
    local ttl = redis.call('PTTL', KEYS[k + 2])
    if ttl > 0 then
      local tokens = tonumber(redis.call('GET', KEYS[k + 2]) or '0') + tonumber(ARGV[a + 2])
      if tokens < 0 then tokens = 0 end
      redis.call('SET', KEYS[k + 2], tostring(tokens), 'PX', ttl)
    end
  end
  if ARGV[a + 3] == '1' then
    local key = KEYS[k + 3 + (epoch % 2)]
    local count, reserved = bucket(key, epoch)
    local ttl = redis.call('PTTL', key)
    if count > 0 and ttl > 0 then
      local left = reserved - tonumber(ARGV[a + 4])
      if left < 0 then left = 0 end
      redis.call('SET', key, string.format('%d %d %d', epoch, count - 1, left), 'PX', ttl)
    end
  end
  if ARGV[a + 5] == '1' and tonumber(ARGV[a + 6]) > 0 then
    redis.call('INCRBY', KEYS[k + 5], ARGV[a + 6])
    if redis.call('PTTL', KEYS[k + 5]) == -1 then redis.call('PEXPIRE', KEYS[k + 5], ARGV[a + 7]) end
  end
end
return 1`,
  memory(keys, keyNames, args, now) {
    if (keys.get(keyNames[keyNames.length - 1]!) === null) return 0;
    keys.del(keyNames[keyNames.length - 1]!);
    const number = (index: number) => Number(args[index]);
    const windowMs = number(0);
    const epoch = number(2);
    const window = number(3);
    const scopes = number(4);
    for (let i = 0; i < scopes; i++) {
      const k = i * scopeKeyCount;
      const a = 5 + i * settleArgsPerScope;
      if (args[a] === '1' && Math.floor(now / windowMs) === window) {
        const ttl = keys.pttl(keyNames[k + 1]!);
        if (ttl > 0) keys.set(keyNames[k + 1]!, String(Math.max(0, Number(keys.get(keyNames[k + 1]!) ?? '0') + number(a + 1))), ttl);
      }
      if (args[a + 2] === '1') {
        const key = keyNames[k + 2 + (epoch % 2)]!;
        const [count, reserved] = readBucket(keys, key, epoch);
        const ttl = keys.pttl(key);
        if (count > 0 && ttl > 0) keys.set(key, `${epoch} ${count - 1} ${Math.max(0, reserved - number(a + 3))}`, ttl);
      }
      if (args[a + 4] === '1' && number(a + 5) > 0) {
        keys.incrBy(keyNames[k + 4]!, number(a + 5));
        if (keys.pttl(keyNames[k + 4]!) === -1) keys.pexpire(keyNames[k + 4]!, number(a + 6));
      }
    }
    return 1;
  },
  parse: (reply) => Number(reply) === 1,
};

/**
 * Reconciliation: raises a period's spend counter to the ledger's sum when the counter is below it (a
 * settle was lost, or Redis lost the key), never lowers it (the ledger lags behind settles). ARGV: the
 * ledger's nano-USD, the counter's TTL. Returns the counter before and after.
 */
export const raiseSpendScript: AtomicScript<{ before: number; after: number }> = {
  name: 'limits_raise_spend_v1',
  lua: `
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local ledger = tonumber(ARGV[1])
if ledger > spent then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {spent, ledger}
end
return {spent, spent}`,
  memory(keys, [key], [ledgerText, ttl]) {
    const spent = Number(keys.get(key!) ?? '0');
    const ledger = Number(ledgerText);
    if (ledger > spent) {
      keys.set(key!, ledgerText!, Number(ttl));
      return [spent, ledger];
    }
    return [spent, spent];
  },
  parse(reply) {
    const [before, after] = (reply as Array<number | string>).map(Number) as [number, number];
    return { before, after };
  },
};

/** Encodes what one scope asks in the admission script's argument order. */
export function admitArguments(scope: ScopeAdmission): number[] {
  return [scope.rpm, scope.tpm, scope.parallel, scope.budgetNanos, scope.tokenEstimate, scope.costEstimateNanos, scope.spendTtlMs];
}

/** Encodes what one scope settles in the settle script's argument order. */
export function settleArguments(scope: ScopeSettlement): Array<number | string> {
  return [
    scope.tracksTokens ? '1' : '0',
    scope.tokenDelta,
    scope.tracksInFlight ? '1' : '0',
    scope.costEstimateNanos,
    scope.tracksSpend ? '1' : '0',
    scope.actualCostNanos,
    scope.spendTtlMs,
  ];
}

function readBucket(keys: ScriptKeys, key: string, wanted: number): [number, number] {
  const value = keys.get(key);
  if (value === null) return [0, 0];
  const match = /^(-?\d+) (-?\d+) (-?\d+)$/.exec(value);
  if (!match || Number(match[1]) !== wanted) return [0, 0];
  return [Number(match[2]), Number(match[3])];
}
