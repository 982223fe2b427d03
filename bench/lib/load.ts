import http from 'node:http';

/**
 * A small load generator on node:http (keep-alive agent), in two shapes:
 *
 * - fixed rate (open loop): request i is sent at start + i / rate whatever happened to earlier ones,
 *   with at most `connections` sockets; a rate the target cannot follow shows up as latency, not as
 *   fewer requests.
 * - fixed concurrency (closed loop): `connections` workers, each sending its next request as soon as
 *   the previous one has completed.
 *
 * Latency is measured per request from the moment it is handed to the agent to the last byte of the
 * response, in microseconds (performance.now()), and kept whole so percentiles are exact.
 * Everything is bounded: a fixed number of requests (or a fixed time), a per-request timeout and a hard
 * deadline after which unfinished requests are abandoned and counted as errors.
 */

export interface Target {
  /** `direct` or `gateway`. */
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
}

interface Outcome {
  status: number;
  latencyMs: number;
  /** Time to the response head. */
  ttfbMs: number;
  /** The gateway's own `x-gateway-overhead-ms` header, when present. */
  overheadMs: number | undefined;
  error: string | undefined;
}

export interface PhaseResult {
  target: string;
  shape: 'rate' | 'concurrency';
  /** Monotonic clock (CLOCK_MONOTONIC, µs) at the start and end: comparable with V8 CPU profiles. */
  monotonicStartUs: number;
  monotonicEndUs: number;
  /** From the first request sent to the last one completed. */
  durationMs: number;
  sent: number;
  completed: number;
  /** 2xx responses read to the end. */
  ok: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** Of 2xx responses only. */
  latenciesMs: number[];
  ttfbMs: number[];
  overheadHeaderMs: number[];
  maxInFlight: number;
  /** Fixed rate only: how late requests left compared with their schedule (load generator lag). */
  sendLagMeanMs: number;
  sendLagMaxMs: number;
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function sendOne(agent: http.Agent, target: Target, url: URL, body: Buffer, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const settle = (outcome: Omit<Outcome, 'latencyMs'> & { latencyMs?: number }): void => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, latencyMs: outcome.latencyMs ?? performance.now() - started });
    };
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json', 'content-length': String(body.length) },
      },
      (response) => {
        const ttfbMs = performance.now() - started;
        const header = response.headers['x-gateway-overhead-ms'];
        const overheadMs = typeof header === 'string' ? Number.parseFloat(header) : undefined;
        const status = response.statusCode ?? 0;
        let tail = '';
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (target.stream) tail = (tail + chunk.toString('latin1')).slice(-64);
        });
        response.on('end', () => {
          const latencyMs = performance.now() - started;
          let error: string | undefined;
          if (status >= 200 && status < 300) {
            if (bytes === 0) error = 'empty body';
            else if (target.stream && !tail.includes('data: [DONE]')) error = 'stream without [DONE]';
          }
          settle({ status, latencyMs, ttfbMs, overheadMs, error });
        });
        response.on('error', (thrown) => settle({ status, ttfbMs, overheadMs, error: thrown.message }));
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error('timeout')));
    request.on('error', (thrown: NodeJS.ErrnoException) =>
      settle({ status: 0, ttfbMs: Number.NaN, overheadMs: undefined, error: thrown.code ?? thrown.message }),
    );
    request.end(body);
  });
}

class Recorder {
  readonly result: PhaseResult;
  #inFlight = 0;
  #firstSent = Number.NaN;
  #lastDone = Number.NaN;
  #lagSum = 0;

  constructor(target: string, shape: PhaseResult['shape']) {
    this.result = {
      target,
      shape,
      monotonicStartUs: monotonicUs(),
      monotonicEndUs: 0,
      durationMs: 0,
      sent: 0,
      completed: 0,
      ok: 0,
      statuses: {},
      errors: {},
      latenciesMs: [],
      ttfbMs: [],
      overheadHeaderMs: [],
      maxInFlight: 0,
      sendLagMeanMs: 0,
      sendLagMaxMs: 0,
    };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  sent(lagMs?: number): void {
    if (this.result.sent === 0) this.#firstSent = performance.now();
    this.result.sent += 1;
    this.#inFlight += 1;
    this.result.maxInFlight = Math.max(this.result.maxInFlight, this.#inFlight);
    if (lagMs !== undefined) {
      this.#lagSum += lagMs;
      this.result.sendLagMaxMs = Math.max(this.result.sendLagMaxMs, lagMs);
    }
  }

  done(outcome: Outcome): void {
    const result = this.result;
    this.#inFlight -= 1;
    this.#lastDone = performance.now();
    result.completed += 1;
    if (outcome.status > 0) result.statuses[outcome.status] = (result.statuses[outcome.status] ?? 0) + 1;
    if (outcome.error !== undefined) {
      result.errors[outcome.error] = (result.errors[outcome.error] ?? 0) + 1;
      return;
    }
    if (outcome.status < 200 || outcome.status >= 300) return;
    result.ok += 1;
    result.latenciesMs.push(outcome.latencyMs);
    result.ttfbMs.push(outcome.ttfbMs);
    if (outcome.overheadMs !== undefined && Number.isFinite(outcome.overheadMs)) result.overheadHeaderMs.push(outcome.overheadMs);
  }

  finish(): PhaseResult {
    const result = this.result;
    result.monotonicEndUs = monotonicUs();
    result.durationMs = Number.isNaN(this.#firstSent) || Number.isNaN(this.#lastDone) ? 0 : this.#lastDone - this.#firstSent;
    result.sendLagMeanMs = result.sent > 0 ? this.#lagSum / result.sent : 0;
    const unfinished = result.sent - result.completed;
    if (unfinished > 0) result.errors['unfinished at deadline'] = unfinished;
    return result;
  }
}

export interface RateOptions {
  rate: number;
  seconds: number;
  connections: number;
  timeoutMs: number;
}

/** Open loop: `rate × seconds` requests at evenly spaced send times. */
export function runFixedRate(target: Target, options: RateOptions): Promise<PhaseResult> {
  const url = new URL(target.url);
  const body = Buffer.from(target.body);
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const intervalMs = 1000 / options.rate;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const recorder = new Recorder(target.name, 'rate');

  return new Promise((resolve) => {
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      clearTimeout(deadline);
      agent.destroy();
      resolve(recorder.finish());
    };
    const deadline = setTimeout(finish, options.seconds * 1000 + options.timeoutMs + 5000);
    const start = performance.now();
    const tick = (): void => {
      const now = performance.now();
      while (recorder.result.sent < total && start + recorder.result.sent * intervalMs <= now) {
        recorder.sent(now - (start + recorder.result.sent * intervalMs));
        void sendOne(agent, target, url, body, options.timeoutMs).then((outcome) => {
          if (finished) return;
          recorder.done(outcome);
          if (recorder.result.completed === total) finish();
        });
      }
      if (recorder.result.sent < total) {
        timer = setTimeout(tick, Math.max(0, start + recorder.result.sent * intervalMs - performance.now()));
      }
    };
    tick();
  });
}

export interface ConcurrencyOptions {
  connections: number;
  seconds: number;
  timeoutMs: number;
}

/** Closed loop: `connections` workers back to back for `seconds`. */
export async function runFixedConcurrency(target: Target, options: ConcurrencyOptions): Promise<PhaseResult> {
  const url = new URL(target.url);
  const body = Buffer.from(target.body);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const recorder = new Recorder(target.name, 'concurrency');
  const end = performance.now() + options.seconds * 1000;
  // A hard cap on requests per worker, far above what 1 ms responses would allow.
  const cap = Math.ceil(options.seconds * 1000) + 1;
  const worker = async (): Promise<void> => {
    for (let count = 0; count < cap && performance.now() < end; count += 1) {
      recorder.sent();
      recorder.done(await sendOne(agent, target, url, body, options.timeoutMs));
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    agent.destroy();
  }
  return recorder.finish();
}

/** Results of the same target from several phases, as one. */
export function mergePhases(phases: readonly PhaseResult[]): PhaseResult {
  const first = phases[0];
  if (!first) throw new Error('nothing to merge');
  const merged: PhaseResult = {
    ...first,
    statuses: {},
    errors: {},
    latenciesMs: [],
    ttfbMs: [],
    overheadHeaderMs: [],
    sent: 0,
    completed: 0,
    ok: 0,
    durationMs: 0,
    maxInFlight: 0,
    sendLagMaxMs: 0,
  };
  let lagSum = 0;
  for (const phase of phases) {
    merged.sent += phase.sent;
    merged.completed += phase.completed;
    merged.ok += phase.ok;
    merged.durationMs += phase.durationMs;
    merged.maxInFlight = Math.max(merged.maxInFlight, phase.maxInFlight);
    merged.sendLagMaxMs = Math.max(merged.sendLagMaxMs, phase.sendLagMaxMs);
    lagSum += phase.sendLagMeanMs * phase.sent;
    for (const [key, count] of Object.entries(phase.statuses)) merged.statuses[key] = (merged.statuses[key] ?? 0) + count;
    for (const [key, count] of Object.entries(phase.errors)) merged.errors[key] = (merged.errors[key] ?? 0) + count;
    for (const value of phase.latenciesMs) merged.latenciesMs.push(value);
    for (const value of phase.ttfbMs) merged.ttfbMs.push(value);
    for (const value of phase.overheadHeaderMs) merged.overheadHeaderMs.push(value);
  }
  merged.sendLagMeanMs = merged.sent > 0 ? lagSum / merged.sent : 0;
  merged.monotonicStartUs = Math.min(...phases.map((phase) => phase.monotonicStartUs));
  merged.monotonicEndUs = Math.max(...phases.map((phase) => phase.monotonicEndUs));
  return merged;
}
