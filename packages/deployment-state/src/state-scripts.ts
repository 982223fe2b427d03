import type { AtomicScript, ScriptKeys } from '@gateway/kv';

/**
 * The state of one deployment is one JSON value under one key, read and rewritten whole by atomic
 * scripts (cjson in Redis's Lua, JSON in the memory store), so every update of it is one round trip and
 * consistent across replicas. Absent fields mean "never happened".
 */
export interface StoredDeployment {
  /** Attempts in flight, counted in the one-minute slot they started in (slot = floor(ms / 60 000)). */
  inFlight?: Record<string, number>;
  latencyEwmaMs?: number;
  ttftEwmaMs?: number;
  /** The minute (floor(ms / 60 000)) `requests` and `tokens` count. */
  minute?: number;
  requests?: number;
  tokens?: number;
  consecutiveFailures?: number;
  /** The error-rate window (floor(ms / windowMs)) and its counts; `previous*` count the window before. */
  window?: number;
  windowRequests?: number;
  windowFailures?: number;
  previousRequests?: number;
  previousFailures?: number;
  ejectedUntil?: number;
  ejectionReason?: 'failures' | 'error-rate' | 'credential';
  /** Consecutive ejections, which double the cooldown; forgotten after `ejectionsResetAt`. */
  ejections?: number;
  ejectionsResetAt?: number;
}

/** The time a script uses: the caller's clock when given (ARGV[1] ≥ 0), else the store's. */
const clockLua = `local t = tonumber(ARGV[1])
if t < 0 then t = now end
local raw = redis.call('GET', KEYS[1])
local s = {}
if raw then s = cjson.decode(raw) end`;

const saveLua = (keepArgument: number) => `local keep = tonumber(ARGV[${keepArgument}])
if s.ejectionsResetAt and s.ejectionsResetAt - t > keep then keep = s.ejectionsResetAt - t end
redis.call('SET', KEYS[1], cjson.encode(s), 'PX', math.ceil(keep))`;

function read(keys: ScriptKeys, key: string): StoredDeployment {
  const raw = keys.get(key);
  return raw === null ? {} : (JSON.parse(raw) as StoredDeployment);
}

function save(keys: ScriptKeys, key: string, state: StoredDeployment, keepMs: number, t: number): void {
  const keep = state.ejectionsResetAt !== undefined && state.ejectionsResetAt - t > keepMs ? state.ejectionsResetAt - t : keepMs;
  keys.set(key, JSON.stringify(state), Math.ceil(keep));
}

const timeOf = (argument: string | undefined, now: number) => {
  const given = Number(argument);
  return given < 0 ? now : given;
};

/**
 * An attempt starts: +1 in flight in the current slot (slots older than the in-flight TTL are dropped,
 * which is how marks of a crashed replica go away), +1 request this minute. Returns the slot, which
 * the finish decrements. ARGV: time, slotMs, slots, keepMs.
 */
export const attemptStartedScript: AtomicScript<number> = {
  name: 'deployment_attempt_started',
  lua: `${clockLua}
local slotMs = tonumber(ARGV[2])
local slots = tonumber(ARGV[3])
local slot = math.floor(t / slotMs)
local kept = {}
if s.inFlight then
  for k, v in pairs(s.inFlight) do
    if tonumber(k) > slot - slots and v > 0 then kept[k] = v end
  end
end
local key = tostring(slot)
kept[key] = (kept[key] or 0) + 1
s.inFlight = kept
local minute = math.floor(t / 60000)
if s.minute ~= minute then
  s.minute = minute
  s.requests = 0
  s.tokens = 0
end
s.requests = s.requests + 1
${saveLua(4)}
return slot`,
  memory(keys, [key], [time, slotMs, slots, keepMs], now) {
    const t = timeOf(time, now);
    const state = read(keys, key!);
    const slot = Math.floor(t / Number(slotMs));
    const kept: Record<string, number> = {};
    for (const [name, count] of Object.entries(state.inFlight ?? {})) {
      if (Number(name) > slot - Number(slots) && count > 0) kept[name] = count;
    }
    kept[String(slot)] = (kept[String(slot)] ?? 0) + 1;
    state.inFlight = kept;
    const minute = Math.floor(t / 60_000);
    if (state.minute !== minute) {
      state.minute = minute;
      state.requests = 0;
      state.tokens = 0;
    }
    state.requests = (state.requests ?? 0) + 1;
    save(keys, key!, state, Number(keepMs), t);
    return slot;
  },
  parse: (reply) => Number(reply),
};

export interface FinishResult {
  /** Set when this outcome ejected the deployment. */
  ejected: { until: number; reason: 'failures' | 'error-rate' | 'credential' } | null;
}

/**
 * An attempt finished: −1 in flight in its start slot, its tokens counted this minute, the averages
 * updated on success, then the health verdict applied (see `attemptVerdict`):
 * - credential: ejected until now + credentialCooldownMs (extending a shorter ejection);
 * - success / failure while not ejected: consecutive failures and the sliding error-rate window
 *   (this window plus the previous one weighted by how much of it still overlaps) are updated; a
 *   failure that reaches `consecutiveFailures` in a row, or `errorRate` of at least `minRequests`,
 *   ejects for baseCooldownMs · 2^(consecutive ejections), at most maxCooldownMs; the counts restart.
 * Outcomes of attempts that finish while their deployment is ejected do not count (they started before).
 * ARGV: time, slot ('' none), verdict, ok, latencyMs, ttftMs (−1 none), tokens, alpha, consecutiveFailures,
 * errorRate, minRequests, windowMs, baseCooldownMs, maxCooldownMs, resetAfterMs, credentialCooldownMs, keepMs.
 */
export const attemptFinishedScript: AtomicScript<FinishResult> = {
  name: 'deployment_attempt_finished',
  lua: `${clockLua}
local slot = ARGV[2]
if slot ~= '' and s.inFlight and s.inFlight[slot] then
  if s.inFlight[slot] <= 1 then s.inFlight[slot] = nil else s.inFlight[slot] = s.inFlight[slot] - 1 end
end
local verdict = ARGV[3]
local tokens = tonumber(ARGV[7])
if tokens > 0 then
  local minute = math.floor(t / 60000)
  if s.minute ~= minute then
    s.minute = minute
    s.requests = 0
    s.tokens = 0
  end
  s.tokens = s.tokens + tokens
end
if ARGV[4] == '1' then
  local alpha = tonumber(ARGV[8])
  local latency = tonumber(ARGV[5])
  if s.latencyEwmaMs then s.latencyEwmaMs = alpha * latency + (1 - alpha) * s.latencyEwmaMs else s.latencyEwmaMs = latency end
  local ttft = tonumber(ARGV[6])
  if ttft >= 0 then
    if s.ttftEwmaMs then s.ttftEwmaMs = alpha * ttft + (1 - alpha) * s.ttftEwmaMs else s.ttftEwmaMs = ttft end
  end
end
local ejectedUntil = 0
local reason = ''
local ejected = s.ejectedUntil and s.ejectedUntil > t
if verdict == 'credential' then
  local untilAt = t + tonumber(ARGV[16])
  if not ejected or s.ejectedUntil < untilAt then
    s.ejectedUntil = untilAt
    s.ejectionReason = 'credential'
    ejectedUntil = untilAt
    reason = 'credential'
  end
elseif (verdict == 'success' or verdict == 'failure') and not ejected then
  local windowMs = tonumber(ARGV[12])
  local w = math.floor(t / windowMs)
  if s.window ~= w then
    if s.window == w - 1 then
      s.previousRequests = s.windowRequests or 0
      s.previousFailures = s.windowFailures or 0
    else
      s.previousRequests = 0
      s.previousFailures = 0
    end
    s.window = w
    s.windowRequests = 0
    s.windowFailures = 0
  end
  s.windowRequests = (s.windowRequests or 0) + 1
  if verdict == 'failure' then
    s.windowFailures = (s.windowFailures or 0) + 1
    s.consecutiveFailures = (s.consecutiveFailures or 0) + 1
    local overlap = 1 - (t - w * windowMs) / windowMs
    local requests = s.windowRequests + (s.previousRequests or 0) * overlap
    local failures = s.windowFailures + (s.previousFailures or 0) * overlap
    if s.consecutiveFailures >= tonumber(ARGV[9]) then
      reason = 'failures'
    elseif requests >= tonumber(ARGV[11]) and failures >= tonumber(ARGV[10]) * requests then
      reason = 'error-rate'
    end
    if reason ~= '' then
      local count = 0
      if s.ejectionsResetAt and s.ejectionsResetAt > t then count = s.ejections or 0 end
      local cooldown = math.min(tonumber(ARGV[14]), tonumber(ARGV[13]) * 2 ^ count)
      ejectedUntil = t + cooldown
      s.ejectedUntil = ejectedUntil
      s.ejectionReason = reason
      s.ejections = count + 1
      s.ejectionsResetAt = ejectedUntil + tonumber(ARGV[15])
      s.consecutiveFailures = 0
      s.windowRequests = 0
      s.windowFailures = 0
      s.previousRequests = 0
      s.previousFailures = 0
    end
  else
    s.consecutiveFailures = 0
  end
end
${saveLua(17)}
return {ejectedUntil, reason}`,
  memory(keys, [key], args, now) {
    const [time, slot, verdict, ok, latencyMs, ttftMs, tokens, alpha, consecutiveLimit, errorRate, minRequests, windowMs, baseCooldownMs, maxCooldownMs, resetAfterMs, credentialCooldownMs, keepMs] =
      args.map((value, index) => (index === 1 || index === 2 || index === 3 ? value : Number(value))) as [
        string, string, string, string, number, number, number, number, number, number, number, number, number, number, number, number, number,
      ];
    const t = timeOf(time, now);
    const state = read(keys, key!);
    const inFlight = state.inFlight;
    if (slot !== '' && inFlight?.[slot] !== undefined) {
      if (inFlight[slot]! <= 1) delete inFlight[slot];
      else inFlight[slot] -= 1;
    }
    if (tokens > 0) {
      const minute = Math.floor(t / 60_000);
      if (state.minute !== minute) {
        state.minute = minute;
        state.requests = 0;
        state.tokens = 0;
      }
      state.tokens = (state.tokens ?? 0) + tokens;
    }
    if (ok === '1') {
      state.latencyEwmaMs = state.latencyEwmaMs === undefined ? latencyMs : alpha * latencyMs + (1 - alpha) * state.latencyEwmaMs;
      if (ttftMs >= 0) state.ttftEwmaMs = state.ttftEwmaMs === undefined ? ttftMs : alpha * ttftMs + (1 - alpha) * state.ttftEwmaMs;
    }
    let ejectedUntil = 0;
    let reason: '' | 'failures' | 'error-rate' | 'credential' = '';
    const ejected = state.ejectedUntil !== undefined && state.ejectedUntil > t;
    if (verdict === 'credential') {
      const until = t + credentialCooldownMs;
      if (!ejected || state.ejectedUntil! < until) {
        state.ejectedUntil = until;
        state.ejectionReason = 'credential';
        ejectedUntil = until;
        reason = 'credential';
      }
    } else if ((verdict === 'success' || verdict === 'failure') && !ejected) {
      const window = Math.floor(t / windowMs);
      if (state.window !== window) {
        const adjacent = state.window === window - 1;
        state.previousRequests = adjacent ? (state.windowRequests ?? 0) : 0;
        state.previousFailures = adjacent ? (state.windowFailures ?? 0) : 0;
        state.window = window;
        state.windowRequests = 0;
        state.windowFailures = 0;
      }
      state.windowRequests = (state.windowRequests ?? 0) + 1;
      if (verdict === 'failure') {
        state.windowFailures = (state.windowFailures ?? 0) + 1;
        state.consecutiveFailures = (state.consecutiveFailures ?? 0) + 1;
        const overlap = 1 - (t - window * windowMs) / windowMs;
        const requests = state.windowRequests + (state.previousRequests ?? 0) * overlap;
        const failures = state.windowFailures + (state.previousFailures ?? 0) * overlap;
        if (state.consecutiveFailures >= consecutiveLimit) reason = 'failures';
        else if (requests >= minRequests && failures >= errorRate * requests) reason = 'error-rate';
        if (reason !== '') {
          const count = state.ejectionsResetAt !== undefined && state.ejectionsResetAt > t ? (state.ejections ?? 0) : 0;
          ejectedUntil = t + Math.min(maxCooldownMs, baseCooldownMs * 2 ** count);
          state.ejectedUntil = ejectedUntil;
          state.ejectionReason = reason;
          state.ejections = count + 1;
          state.ejectionsResetAt = ejectedUntil + resetAfterMs;
          state.consecutiveFailures = 0;
          state.windowRequests = 0;
          state.windowFailures = 0;
          state.previousRequests = 0;
          state.previousFailures = 0;
        }
      } else {
        state.consecutiveFailures = 0;
      }
    }
    save(keys, key!, state, keepMs, t);
    return [ejectedUntil, reason];
  },
  parse(reply) {
    const [until, reason] = reply as [number | string, string];
    return reason === '' ? { ejected: null } : { ejected: { until: Number(until), reason: reason as 'failures' | 'error-rate' | 'credential' } };
  },
};

/** Reads the states of many deployments in one round trip, with the time they were read at. ARGV: time. */
export const snapshotScript: AtomicScript<{ now: number; states: Array<StoredDeployment | null> }> = {
  name: 'deployment_snapshot',
  lua: `local t = tonumber(ARGV[1])
if t < 0 then t = now end
local out = {t}
for i, key in ipairs(KEYS) do
  out[i + 1] = redis.call('GET', key)
end
return out`,
  memory(keys, keyNames, [time], now) {
    return [timeOf(time, now), ...keyNames.map((name) => keys.get(name))];
  },
  parse(reply) {
    const [now, ...raws] = reply as [number | string, ...Array<string | null>];
    return { now: Number(now), states: raws.map((raw) => (raw === null || raw === undefined ? null : (JSON.parse(raw) as StoredDeployment))) };
  },
};
