import { beforeEach, describe, expect, it } from 'vitest';
import { GatewayError, type Plan, type PlanTarget, type RetryPolicy } from '@gateway/contracts';
import { ProviderError, providerErrorFromException, providerErrorFromStatus } from '../errors.ts';
import { attemptsOf, createExecutor, type AttemptRecord, type DeploymentHealthWriter, type ExecuteOptions, type ExecutorOptions } from '../executor.ts';
import type { ChatResult, ProviderAdapter, StreamPart, Usage } from '../types.ts';
import type { ExecutorClock, TimerHandle } from './clock.ts';

/**
 * The executor's reliability rules, on an in-memory fake adapter and a fake clock: nothing sleeps, every
 * wait is a timer the test fires, so the times asserted are exact.
 */

class FakeClock implements ExecutorClock {
  time = 1_000_000;
  private timers: Array<{ at: number; sequence: number; callback: () => void }> = [];
  private sequence = 0;

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): TimerHandle {
    const timer = { at: this.time + ms, sequence: (this.sequence += 1), callback };
    this.timers.push(timer);
    return { clear: () => (this.timers = this.timers.filter((other) => other !== timer)) };
  }

  /** Runs `promise` to its end: whenever nothing else can happen, moves to the next timer(s) and fires them. */
  async settle<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => (done = true));
    tracked.catch(() => undefined);
    const end = this.time + limitMs;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) return tracked;
      if (this.timers.length === 0) throw new Error('stuck: the promise waits on something that is no timer');
      const at = Math.min(...this.timers.map((timer) => timer.at));
      if (at > end) throw new Error('stuck: no end within the limit');
      this.time = Math.max(this.time, at);
      const due = this.timers.filter((timer) => timer.at <= this.time).sort((a, b) => a.at - b.at || a.sequence - b.sequence);
      this.timers = this.timers.filter((timer) => !due.includes(timer));
      for (const timer of due) timer.callback();
    }
  }
}

/** What a fake provider does on one call. */
type Step =
  | { answer: 'ok'; afterMs?: number; usage?: Usage }
  | { answer: 'status'; status: number; afterMs?: number; headers?: Record<string, string>; body?: unknown }
  | { answer: 'connection-error'; afterMs?: number }
  | { answer: 'hang' }
  /** A stream: opens after `afterMs`, then sends a chunk after each delay, then its finish part; `cutAfter` chunks then breaks. */
  | { answer: 'stream'; afterMs?: number; delays: number[]; cutAfter?: number };

interface Call {
  provider: string;
  model: string;
  at: number;
  signal: AbortSignal | undefined;
}

let clock: FakeClock;
let calls: Call[];
let scripts: Map<string, Step[]>;
let health: Array<{ event: 'started' | 'finished'; deployment: string; outcome?: Record<string, unknown> }>;

const usage = (inputTokens: number, outputTokens: number): Usage => ({ inputTokens, outputTokens });

function script(provider: string, ...steps: Step[]): void {
  scripts.set(provider, [...(scripts.get(provider) ?? []), ...steps]);
}

function wait(provider: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer?.clear();
      reject(providerErrorFromException({ provider, secrets: [] }, signal?.reason, signal));
    };
    if (signal?.aborted) return onAbort();
    const timer = Number.isFinite(ms)
      ? clock.setTimer(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms)
      : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function chunk(content: string): StreamPart {
  return { type: 'chunk', chunk: { id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] } };
}

function fakeAdapter(provider: string): ProviderAdapter {
  const context = { provider, secrets: [] };
  const take = (model: string, signal: AbortSignal | undefined): Step => {
    calls.push({ provider, model, at: clock.now(), signal });
    return scripts.get(provider)?.shift() ?? { answer: 'ok' };
  };
  async function fail(step: Step, signal: AbortSignal | undefined): Promise<never> {
    if (step.answer === 'hang') {
      await wait(provider, Number.POSITIVE_INFINITY, signal);
    }
    if (step.answer === 'status') {
      throw providerErrorFromStatus(context, step.status, new Headers(step.headers ?? {}), JSON.stringify(step.body ?? { error: { message: 'scripted' } }));
    }
    throw providerErrorFromException(context, Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }), signal);
  }
  return {
    settings: { name: provider, type: 'openai' },
    async chat({ model, signal }): Promise<ChatResult> {
      const step = take(model, signal);
      await wait(provider, 'afterMs' in step ? (step.afterMs ?? 0) : 0, signal);
      if (step.answer !== 'ok') return fail(step, signal);
      return {
        response: { id: 'x', object: 'chat.completion', created: 0, model, choices: [{ index: 0, message: { role: 'assistant', content: `from ${provider}` }, finish_reason: 'stop' }] },
        usage: step.usage ?? usage(10, 5),
        finishReason: { unified: 'stop', raw: 'stop' },
        warnings: [],
      };
    },
    async chatStream({ model, signal }) {
      const step = take(model, signal);
      await wait(provider, 'afterMs' in step ? (step.afterMs ?? 0) : 0, signal);
      if (step.answer !== 'stream') return fail(step, signal);
      const { delays, cutAfter } = step;
      async function* parts(): AsyncGenerator<StreamPart> {
        for (const [index, delay] of delays.entries()) {
          if (cutAfter === index) {
            throw providerErrorFromException(context, Object.assign(new TypeError('terminated'), { cause: { code: 'ECONNRESET' } }), signal, 'read');
          }
          await wait(provider, delay, signal);
          yield chunk(`${provider} ${index}`);
        }
        yield { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(3, 4) };
      }
      return { parts: parts(), warnings: [] };
    },
    embeddings: () => Promise.reject(new Error('not scripted')),
  };
}

const adapters = new Map(['first', 'second', 'third', 'big', 'bigger', 'safe'].map((name) => [name, fakeAdapter(name)]));
const healthWriter: DeploymentHealthWriter = {
  async attemptStarted(deployment) {
    health.push({ event: 'started', deployment: `${deployment.provider}/${deployment.model}` });
  },
  async attemptFinished(deployment, outcome) {
    health.push({ event: 'finished', deployment: `${deployment.provider}/${deployment.model}`, outcome });
  },
};

function executorWith(options: Partial<ExecutorOptions> = {}) {
  return createExecutor({ getAdapter: (name) => adapters.get(name), clock, random: () => 0.5, deploymentState: healthWriter, ...options });
}

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  attempts: 2,
  onStatusCodes: [],
  initialBackoffMs: 100,
  maxBackoffMs: 1_000,
  maxRetryAfterMs: 10_000,
  ...overrides,
});

function target(provider: string, extra: Partial<PlanTarget> = {}): PlanTarget {
  return { provider, model: `${provider}-model`, ...extra };
}

function planOf(targets: PlanTarget[], extra: Partial<Plan> = {}): Plan {
  return { model: 'smart', strategy: 'fallback', targets, ...extra };
}

const request = { model: 'smart', messages: [{ role: 'user' as const, content: 'hi' }] };
const options: ExecuteOptions = { requestId: 'req-reliability' };

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await clock.settle(promise).then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

const summary = (attempts: AttemptRecord[] | undefined) =>
  (attempts ?? []).map(({ provider, status, retry, hedge, fallback }) => ({ provider, status, ...(retry && { retry }), ...(hedge && { hedge }), ...(fallback && { fallback }) }));
const callTimes = (provider: string) => calls.filter((call) => call.provider === provider).map((call) => call.at - 1_000_000);

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

beforeEach(() => {
  clock = new FakeClock();
  calls = [];
  scripts = new Map();
  health = [];
});

describe('retries', () => {
  it('retries a target twice by default on retryable failures, then falls back', async () => {
    script('first', { answer: 'status', status: 503 }, { answer: 'connection-error' }, { answer: 'status', status: 500 });
    const execution = await clock.settle(executorWith().chat(planOf([target('first'), target('second')]), request, options));
    expect(execution.target.provider).toBe('second');
    expect(summary(execution.attempts)).toEqual([
      { provider: 'first', status: 503 },
      { provider: 'first', status: 503, retry: 1 },
      { provider: 'first', status: 500, retry: 2 },
      { provider: 'second', status: 200 },
    ]);
  });

  it('retries up to the policy attempts and serves from the same target when it recovers', async () => {
    script('first', { answer: 'status', status: 429 }, { answer: 'status', status: 408 }, { answer: 'status', status: 409 }, { answer: 'status', status: 502 });
    const plan = planOf([target('first', { retry: policy({ attempts: 4 }) }), target('second')]);
    const execution = await clock.settle(executorWith().chat(plan, request, options));
    expect(execution.target.provider).toBe('first');
    expect(callTimes('first')).toHaveLength(5);
    expect(callTimes('second')).toHaveLength(0);
  });

  it('waits a full-jitter exponential backoff drawn from the random source, capped at maxBackoffMs', async () => {
    script('first', ...Array.from({ length: 5 }, () => ({ answer: 'status' as const, status: 503 })));
    const plan = planOf([target('first', { retry: policy({ attempts: 5, initialBackoffMs: 100, maxBackoffMs: 500 }) })]);
    await clock.settle(executorWith({ random: () => 0.999 }).chat(plan, request, options));
    // Waits: ⌊0.999 · min(500, 100 · 2^n)⌋ = 99, 199, 399, 499, 499.
    expect(callTimes('first')).toEqual([0, 99, 298, 697, 1196, 1695]);

    calls = [];
    script('first', { answer: 'status', status: 503 }, { answer: 'status', status: 503 });
    const start = clock.now() - 1_000_000;
    await clock.settle(executorWith({ random: () => 0 }).chat(plan, request, options));
    expect(callTimes('first').map((at) => at - start)).toEqual([0, 0, 0]);
  });

  it('honours Retry-After and retry-after-ms instead of the backoff', async () => {
    script('first', { answer: 'status', status: 429, headers: { 'retry-after': '2' } }, { answer: 'status', status: 503, headers: { 'retry-after-ms': '750' } });
    const execution = await clock.settle(executorWith().chat(planOf([target('first', { retry: policy() })]), request, options));
    expect(execution.target.provider).toBe('first');
    expect(callTimes('first')).toEqual([0, 2_000, 2_750]);
    // Each attempt says when it started after the request arrived, for the request's timeline.
    expect(execution.attempts.map((attempt) => attempt.startMs)).toEqual([0, 2_000, 2_750]);
  });

  it('counts attempt starts from when the request arrived (receivedAt), not from when the executor ran', async () => {
    script('first', { answer: 'status', status: 503 });
    const arrived = clock.now() - 40;
    const execution = await clock.settle(executorWith().chat(planOf([target('first', { retry: policy({ attempts: 0 }) }), target('second')]), request, { ...options, receivedAt: arrived }));
    expect(execution.attempts.map(({ provider, startMs }) => ({ provider, startMs }))).toEqual([
      { provider: 'first', startMs: 40 },
      { provider: 'second', startMs: 40 },
    ]);
  });

  it('goes to the next target at once when Retry-After is beyond maxRetryAfterMs', async () => {
    script('first', { answer: 'status', status: 429, headers: { 'retry-after': '30' } });
    const execution = await clock.settle(executorWith().chat(planOf([target('first', { retry: policy({ maxRetryAfterMs: 10_000 }) }), target('second')]), request, options));
    expect(execution.target.provider).toBe('second');
    expect(callTimes('first')).toEqual([0]);
    expect(callTimes('second')).toEqual([0]);
  });

  it.each([400, 401, 403, 404, 422])('never retries %i, and ends the run on it unless the policy lists it for fallback', async (status) => {
    script('first', { answer: 'status', status });
    const error = await failure(executorWith().chat(planOf([target('first'), target('second')]), request, options));
    expect((error as ProviderError).upstreamStatus).toBe(status);
    expect(callTimes('first')).toHaveLength(1);
    expect(callTimes('second')).toHaveLength(0);

    script('first', { answer: 'status', status });
    const listed = await clock.settle(executorWith().chat(planOf([target('first', { retry: policy({ onStatusCodes: [status, 503] }) }), target('second')]), request, options));
    expect(listed.target.provider).toBe('second');
    expect(callTimes('first')).toHaveLength(2);
  });

  it('retries only the statuses the policy lists, when it lists some', async () => {
    script('first', { answer: 'status', status: 500 });
    const execution = await clock.settle(executorWith().chat(planOf([target('first', { retry: policy({ onStatusCodes: [429] }) }), target('second')]), request, options));
    // 500 is not listed: no retry, but it is a failure another target may not have, so the run falls back.
    expect(summary(execution.attempts)).toEqual([
      { provider: 'first', status: 500 },
      { provider: 'second', status: 200 },
    ]);
  });

  it('retries a stream that fails before its first part, never one that already sent a part', async () => {
    script('first', { answer: 'status', status: 503 }, { answer: 'stream', delays: [10, 10, 10], cutAfter: 1 });
    const executor = executorWith();
    const execution = await clock.settle(executor.chatStream(planOf([target('first'), target('second')]), { ...request, stream: true }, options));
    expect(summary(execution.attempts)).toEqual([
      { provider: 'first', status: 503 },
      { provider: 'first', status: 200, retry: 1 },
    ]);
    const received: StreamPart[] = [];
    const error = await clock.settle(
      (async () => {
        for await (const part of execution.result.parts) received.push(part);
      })(),
    ).catch((caught: unknown) => caught);
    expect(received).toHaveLength(1);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
    expect(callTimes('first')).toHaveLength(2);
    expect(callTimes('second')).toHaveLength(0);
  });

  it('stops retrying a deployment whose retry budget is spent, and falls back at once', async () => {
    // 0.2 retries per second over 10 s and no ratio: two retries per window for the deployment.
    const executor = executorWith({ retryBudget: { ratio: 0, minRetriesPerSecond: 0.2, windowMs: 10_000 } });
    const plan = planOf([target('first', { retry: policy({ attempts: 2 }) }), target('second')]);
    script('first', ...Array.from({ length: 7 }, () => ({ answer: 'status' as const, status: 503 })));
    const spent = await clock.settle(executor.chat(plan, request, options));
    expect(summary(spent.attempts).map((attempt) => attempt.provider)).toEqual(['first', 'first', 'first', 'second']);
    const starved = await clock.settle(executor.chat(plan, request, options));
    expect(summary(starved.attempts)).toEqual([
      { provider: 'first', status: 503 },
      { provider: 'second', status: 200 },
    ]);
    // Ten seconds later the window has moved on: retries are allowed again.
    clock.time += 10_000;
    const refilled = await clock.settle(executor.chat(plan, request, options));
    expect(summary(refilled.attempts).map((attempt) => attempt.provider)).toEqual(['first', 'first', 'first', 'second']);
  });

  it('allows retries in proportion to the traffic a deployment gets', async () => {
    const executor = executorWith({ retryBudget: { ratio: 0.2, minRetriesPerSecond: 0, windowMs: 10_000 } });
    const plan = planOf([target('first', { retry: policy({ attempts: 1, initialBackoffMs: 0 }) }), target('second')]);
    for (let index = 0; index < 9; index += 1) await clock.settle(executor.chat(plan, request, options));
    // 10 requests with this one: 0.2 · 10 = 2 retries.
    script('first', ...Array.from({ length: 5 }, () => ({ answer: 'status' as const, status: 503 })));
    const results = [];
    for (let index = 0; index < 3; index += 1) results.push(summary((await clock.settle(executor.chat(plan, request, options))).attempts).length);
    // Two runs retry once (3 attempts), the third does not (2 attempts).
    expect(results).toEqual([3, 3, 2]);
  });
});

describe('deadlines and timeouts', () => {
  it('bounds an attempt by the request deadline, ends with 504 saying so, and tries nothing more', async () => {
    script('first', { answer: 'hang' });
    const executor = executorWith();
    const error = await failure(
      executor.chat(planOf([target('first', { timeouts: { requestMs: 5_000 } }), target('second')]), request, { ...options, deadlineAt: clock.now() + 1_500 }),
    );
    expect(error).toMatchObject({ code: 'provider_timeout', status: 504 });
    expect(error.message).toContain('deadline');
    expect(clock.now() - 1_000_000).toBe(1_500);
    expect(callTimes('second')).toHaveLength(0);
    expect(summary(attemptsOf(error))).toEqual([{ provider: 'first', status: 504 }]);
  });

  it("takes the plan's deadlineMs when it comes first", async () => {
    script('first', { answer: 'hang' });
    const error = await failure(executorWith().chat(planOf([target('first'), target('second')], { deadlineMs: 800 }), request, { ...options, deadlineAt: clock.now() + 5_000 }));
    expect(error.message).toContain('deadline (800 ms)');
    expect(clock.now() - 1_000_000).toBe(800);
  });

  it('times an attempt out after the target request timeout, then retries within the deadline', async () => {
    script('first', { answer: 'hang' }, { answer: 'hang' });
    const execution = await clock.settle(
      executorWith({ random: () => 0 }).chat(planOf([target('first', { timeouts: { requestMs: 1_000 } })]), request, { ...options, deadlineAt: clock.now() + 10_000 }),
    );
    expect(callTimes('first')).toEqual([0, 1_000, 2_000]);
    expect(summary(execution.attempts).map((attempt) => attempt.status)).toEqual([504, 504, 200]);
  });

  it("uses the provider's timeout when the target sets none", async () => {
    const slow = fakeAdapter('first');
    const executor = createExecutor({ getAdapter: () => ({ ...slow, settings: { ...slow.settings, timeoutMs: 700 } }), clock, random: () => 0 });
    script('first', { answer: 'hang' });
    await clock.settle(executor.chat(planOf([target('first')]), request, options));
    expect(callTimes('first')).toEqual([0, 700]);
  });

  it('skips a backoff that would pass the deadline and falls back at once', async () => {
    script('first', { answer: 'status', status: 503, headers: { 'retry-after': '5' } });
    const execution = await clock.settle(executorWith().chat(planOf([target('first'), target('second')]), request, { ...options, deadlineAt: clock.now() + 3_000 }));
    expect(execution.target.provider).toBe('second');
    expect(callTimes('second')).toEqual([0]);
  });

  it('fails a stream whose first part does not come within ttftMs, and falls back', async () => {
    script('first', { answer: 'stream', delays: [3_000, 10] });
    script('second', { answer: 'stream', delays: [10] });
    const plan = planOf([target('first', { retry: policy({ attempts: 0 }), timeouts: { ttftMs: 1_000 } }), target('second')]);
    const execution = await clock.settle(executorWith().chatStream(plan, { ...request, stream: true }, options));
    expect(execution.target.provider).toBe('second');
    expect(callTimes('second')).toEqual([1_000]);
    expect(execution.attempts[0]).toMatchObject({ status: 504, errorCode: 'provider_timeout' });
  });

  it('fails a stream that stalls longer than idleMs between parts, after its first part, without fallback', async () => {
    script('first', { answer: 'stream', delays: [10, 200, 5_000] });
    const plan = planOf([target('first', { timeouts: { idleMs: 1_000, ttftMs: 100 } }), target('second')]);
    const execution = await clock.settle(executorWith().chatStream(plan, { ...request, stream: true }, options));
    const error = await clock.settle(collect(execution.result.parts)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_timeout', message: 'the stream from provider first sent nothing for 1000 ms' });
    expect(clock.now() - 1_000_000).toBe(1_210);
    expect(callTimes('second')).toHaveLength(0);
  });

  it('cuts a stream at the deadline', async () => {
    script('first', { answer: 'stream', delays: [10, 500, 500, 500] });
    const execution = await clock.settle(executorWith().chatStream(planOf([target('first')]), { ...request, stream: true }, { ...options, deadlineAt: clock.now() + 800 }));
    const error = await clock.settle(collect(execution.result.parts)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_timeout' });
    expect((error as Error).message).toContain('deadline');
    expect(clock.now() - 1_000_000).toBe(800);
  });

  it("stops waiting out a backoff when the caller aborts, with the caller's reason", async () => {
    script('first', { answer: 'status', status: 503, headers: { 'retry-after': '5' } });
    const controller = new AbortController();
    const reason = new Error('client left');
    clock.setTimer(() => controller.abort(reason), 1_000);
    const error = await clock.settle(executorWith().chat(planOf([target('first')]), request, { ...options, signal: controller.signal })).catch((caught: unknown) => caught);
    expect(error).toBe(reason);
    expect(clock.now() - 1_000_000).toBe(1_000);
    expect(callTimes('first')).toHaveLength(1);
  });
});

describe('dedicated fallbacks', () => {
  const contextWindowBody = { error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } };
  const contentPolicyBody = { error: { message: "filtered by Azure OpenAI's content management policy", code: 'content_filter' } };
  const fallbacks = { contextWindow: [target('big'), target('bigger')], contentPolicy: [target('safe')] };

  it('switches to the context-window fallbacks instead of the remaining targets', async () => {
    script('first', { answer: 'status', status: 400, body: contextWindowBody });
    script('big', { answer: 'status', status: 400, body: contextWindowBody });
    const execution = await clock.settle(executorWith().chat(planOf([target('first'), target('second')], { fallbacks }), request, options));
    expect(execution.target.provider).toBe('bigger');
    expect(summary(execution.attempts)).toEqual([
      { provider: 'first', status: 400 },
      { provider: 'big', status: 400, fallback: 'context_window' },
      { provider: 'bigger', status: 200, fallback: 'context_window' },
    ]);
    expect(callTimes('second')).toHaveLength(0);
  });

  it('switches to the content-policy fallbacks on a content-policy refusal', async () => {
    script('first', { answer: 'status', status: 400, body: contentPolicyBody });
    const execution = await clock.settle(executorWith().chat(planOf([target('first'), target('second')], { fallbacks }), request, options));
    expect(execution.target.provider).toBe('safe');
  });

  it('ends the run on such a refusal when the plan has no dedicated fallbacks', async () => {
    script('first', { answer: 'status', status: 400, body: contextWindowBody });
    const error = await failure(executorWith().chat(planOf([target('first'), target('second')], { fallbacks: { contentPolicy: [target('safe')] } }), request, options));
    expect(error).toMatchObject({ code: 'invalid_request', kind: 'context_window' });
    expect(callTimes('second')).toHaveLength(0);
  });
});

describe('hedging', () => {
  const hedgePlan = (afterMs = 1_000) => planOf([target('first'), target('second'), target('third')], { hedge: { afterMs } });

  it('sends one duplicate to the next target after afterMs; the faster one wins and the other is aborted', async () => {
    script('first', { answer: 'ok', afterMs: 5_000 });
    script('second', { answer: 'ok', afterMs: 200 });
    const execution = await clock.settle(executorWith().chat(hedgePlan(), request, options));
    expect(execution.target.provider).toBe('second');
    expect(clock.now() - 1_000_000).toBe(1_200);
    expect(calls.find((call) => call.provider === 'first')?.signal?.aborted).toBe(true);
    expect(summary(execution.attempts)).toEqual([
      { provider: 'second', status: 200, hedge: true },
      { provider: 'first', status: 499 },
    ]);
    expect(execution.extraUsage).toBeUndefined();
  });

  it('keeps the first attempt when it answers before the duplicate', async () => {
    script('first', { answer: 'ok', afterMs: 1_300 });
    script('second', { answer: 'ok', afterMs: 1_000 });
    const execution = await clock.settle(executorWith().chat(hedgePlan(), request, options));
    expect(execution.target.provider).toBe('first');
    expect(clock.now() - 1_000_000).toBe(1_300);
    expect(summary(execution.attempts)).toEqual([
      { provider: 'first', status: 200 },
      { provider: 'second', status: 499, hedge: true },
    ]);
  });

  it('sends no duplicate when the first attempt answers in time', async () => {
    script('first', { answer: 'ok', afterMs: 999 });
    const execution = await clock.settle(executorWith().chat(hedgePlan(), request, options));
    expect(execution.attempts).toHaveLength(1);
    expect(callTimes('second')).toHaveLength(0);
  });

  it('reports the usage of a loser that answered too, so that it is billed', async () => {
    script('first', { answer: 'ok', afterMs: 1_500, usage: usage(100, 50) });
    script('second', { answer: 'ok', afterMs: 500, usage: usage(100, 70) });
    const execution = await clock.settle(executorWith().chat(hedgePlan(), request, options));
    expect(execution.target.provider).toBe('first');
    expect(execution.result.usage).toEqual(usage(100, 50));
    expect(execution.extraUsage).toEqual([{ target: { provider: 'second', model: 'second-model' }, usage: usage(100, 70) }]);
  });

  it('waits for the duplicate when the first attempt fails, and falls back as usual when both fail', async () => {
    script('first', { answer: 'status', status: 503, afterMs: 1_100 });
    script('second', { answer: 'ok', afterMs: 500 });
    const won = await clock.settle(executorWith().chat(hedgePlan(), request, options));
    expect(won.target.provider).toBe('second');

    calls = [];
    const start = clock.now() - 1_000_000;
    script('first', { answer: 'status', status: 400, afterMs: 1_100 });
    script('second', { answer: 'status', status: 503, afterMs: 500 });
    const error = await failure(executorWith().chat(hedgePlan(), request, options));
    expect((error as ProviderError).upstreamStatus).toBe(400);
    expect(summary(attemptsOf(error))).toEqual([
      { provider: 'first', status: 400 },
      { provider: 'second', status: 503, hedge: true },
    ]);
    expect(clock.now() - 1_000_000 - start).toBe(1_500);
  });

  it('hedges a stream until its first part, and closes the losing stream', async () => {
    script('first', { answer: 'stream', afterMs: 100, delays: [4_000, 10] });
    script('second', { answer: 'stream', delays: [300, 10] });
    const execution = await clock.settle(executorWith().chatStream(hedgePlan(), { ...request, stream: true }, options));
    expect(execution.target.provider).toBe('second');
    expect(clock.now() - 1_000_000).toBe(1_300);
    const parts = await clock.settle(collect(execution.result.parts));
    expect(parts.map((part) => part.type)).toEqual(['chunk', 'chunk', 'finish']);
    expect(calls.find((call) => call.provider === 'first')?.signal?.aborted).toBe(true);
  });

  it('takes the hedge from the retry budget: none when it is spent', async () => {
    const executor = executorWith({ retryBudget: { ratio: 0, minRetriesPerSecond: 0, windowMs: 10_000 } });
    script('first', { answer: 'ok', afterMs: 3_000 });
    const execution = await clock.settle(executor.chat(hedgePlan(), request, options));
    expect(execution.target.provider).toBe('first');
    expect(callTimes('second')).toHaveLength(0);
  });
});

describe('health writes', () => {
  it('reports every attempt with its status and latency, and tokens when known', async () => {
    script('first', { answer: 'status', status: 503, afterMs: 40 }, { answer: 'status', status: 401, afterMs: 10 });
    script('second', { answer: 'ok', afterMs: 250, usage: usage(20, 30) });
    const plan = planOf([target('first', { retry: policy({ attempts: 1, initialBackoffMs: 0, onStatusCodes: [401, 503] }) }), target('second')]);
    await clock.settle(executorWith().chat(plan, request, options));
    await clock.settle(Promise.resolve());
    expect(health).toEqual([
      { event: 'started', deployment: 'first/first-model' },
      { event: 'finished', deployment: 'first/first-model', outcome: { ok: false, status: 503, latencyMs: 40 } },
      { event: 'started', deployment: 'first/first-model' },
      { event: 'finished', deployment: 'first/first-model', outcome: { ok: false, status: 401, latencyMs: 10 } },
      { event: 'started', deployment: 'second/second-model' },
      { event: 'finished', deployment: 'second/second-model', outcome: { ok: true, status: 200, latencyMs: 250, tokens: 50 } },
    ]);
  });

  it('reports a stream when it ends, with its time to first part and its tokens', async () => {
    script('first', { answer: 'stream', afterMs: 50, delays: [100, 300] });
    const execution = await clock.settle(executorWith().chatStream(planOf([target('first')]), { ...request, stream: true }, options));
    expect(health).toEqual([{ event: 'started', deployment: 'first/first-model' }]);
    await clock.settle(collect(execution.result.parts));
    await clock.settle(Promise.resolve());
    expect(health[1]).toEqual({ event: 'finished', deployment: 'first/first-model', outcome: { ok: true, status: 200, latencyMs: 450, ttftMs: 150, tokens: 7 } });
  });

  it('reports a stream the consumer left as 499, and a caller abort as 499', async () => {
    script('first', { answer: 'stream', delays: [10, 10, 10] });
    const executor = executorWith();
    const execution = await clock.settle(executor.chatStream(planOf([target('first')]), { ...request, stream: true }, options));
    await clock.settle(
      (async () => {
        for await (const part of execution.result.parts) if (part.type === 'chunk') break;
      })(),
    );
    await clock.settle(Promise.resolve());
    expect(health.at(-1)?.outcome).toMatchObject({ ok: false, status: 499 });

    script('first', { answer: 'hang' });
    const controller = new AbortController();
    clock.setTimer(() => controller.abort(new Error('gone')), 100);
    await clock.settle(executor.chat(planOf([target('first')]), request, { ...options, signal: controller.signal })).catch(() => undefined);
    await clock.settle(Promise.resolve());
    expect(health.at(-1)?.outcome).toMatchObject({ ok: false, status: 499, latencyMs: 100 });
  });

  it('never fails a request because the deployment state cannot be written', async () => {
    const warnings: string[] = [];
    const broken: DeploymentHealthWriter = {
      attemptStarted: () => Promise.reject(new Error('redis down')),
      attemptFinished: () => {
        throw new Error('redis down');
      },
    };
    const executor = executorWith({ deploymentState: broken, logger: { warn: (_details, message) => warnings.push(message) } });
    const execution = await clock.settle(executor.chat(planOf([target('first')]), request, options));
    await clock.settle(Promise.resolve());
    expect(execution.target.provider).toBe('first');
    expect(warnings).toEqual(['deployment state write failed', 'deployment state write failed']);
  });

  it('calls onAttempt as each attempt ends, and a per-request writer overrides the executor one', async () => {
    script('first', { answer: 'status', status: 503 });
    const seen: number[] = [];
    const perRequest: Array<string> = [];
    const writer: DeploymentHealthWriter = {
      attemptStarted: async () => void perRequest.push('started'),
      attemptFinished: async () => void perRequest.push('finished'),
    };
    await clock.settle(executorWith().chat(planOf([target('first')]), request, { ...options, deploymentState: writer, onAttempt: (attempt) => seen.push(attempt.status) }));
    await clock.settle(Promise.resolve());
    expect(seen).toEqual([503, 200]);
    expect(perRequest).toEqual(['started', 'finished', 'started', 'finished']);
    expect(health).toEqual([]);
  });
});

describe('the Anthropic surface over OpenAI-protocol targets', () => {
  const messagesRequest = { model: 'smart', max_tokens: 50, messages: [{ role: 'user' as const, content: 'hi' }] };

  it('falls back when a translated stream breaks before its first upstream part', async () => {
    script('first', { answer: 'stream', delays: [1, 1], cutAfter: 0 });
    script('second', { answer: 'stream', delays: [1, 1] });
    const plan = planOf([target('first', { retry: policy({ attempts: 0 }) }), target('second', { retry: policy({ attempts: 0 }) })]);
    const opened = await clock.settle(executorWith().messagesStream(plan, messagesRequest, options));
    expect(opened.target.provider).toBe('second');
    expect(opened.attempts.map((attempt) => attempt.provider)).toEqual(['first', 'second']);
    const events: string[] = [];
    await clock.settle(
      (async () => {
        for await (const part of opened.result.parts) if (part.type === 'event') events.push(part.event.event);
      })(),
    );
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
  });

  it('asks only the targets that count tokens themselves', async () => {
    const counting: ProviderAdapter = { ...fakeAdapter('third'), countTokens: async () => ({ inputTokens: 7 }) };
    const executor = executorWith({ getAdapter: (name) => (name === 'third' ? counting : adapters.get(name)) });
    const counted = await clock.settle(executor.countTokens(planOf([target('first'), target('third')]), messagesRequest, options));
    expect(counted.result.inputTokens).toBe(7);
    expect(counted.attempts.map((attempt) => attempt.provider)).toEqual(['third']);
    const refused = await failure(executor.countTokens(planOf([target('first')]), messagesRequest, options));
    expect(refused.message).toMatch(/count_tokens is answered by Anthropic upstreams only/);
  });
});
