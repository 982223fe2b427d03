import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError, type Plan } from '@gateway/contracts';
import { startFakeOpenAi, type FakeOpenAi } from '@gateway/testkit';
import { createAdapter } from './create-adapter.ts';
import { ProviderError } from './errors.ts';
import { attemptsOf, createExecutor, type Executor } from './executor.ts';
import type { ProviderAdapter, StreamPart } from './types.ts';

const providerNames = ['first', 'second', 'third'] as const;
const fakes = new Map<string, FakeOpenAi>();
const adapters = new Map<string, ProviderAdapter>();
let executor: Executor;
const warn = vi.fn();

beforeAll(async () => {
  for (const name of providerNames) {
    const fake = await startFakeOpenAi();
    fakes.set(name, fake);
    adapters.set(name, createAdapter({ name, type: 'openai-compatible', baseUrl: fake.url, timeoutMs: 300 }));
  }
  executor = createExecutor({ getAdapter: (name) => adapters.get(name), logger: { warn } });
  // One call to each fake first: a cold first call (code compiled, connection opened) on a loaded
  // machine can take longer than the 300 ms provider timeout these tests use.
  for (const name of providerNames) await executor.chat(plan(name), request, options);
});
afterAll(async () => {
  await Promise.all([...fakes.values()].map((fake) => fake.close()));
});
beforeEach(() => {
  for (const fake of fakes.values()) fake.reset();
  warn.mockClear();
});

function fake(name: (typeof providerNames)[number]): FakeOpenAi {
  const found = fakes.get(name);
  if (!found) throw new Error(`no fake ${name}`);
  return found;
}

/** No retries: these tests are about falling back (retries: executor-reliability.test.ts, and the last test here). */
const noRetry = { attempts: 0, onStatusCodes: [], initialBackoffMs: 0, maxBackoffMs: 0, maxRetryAfterMs: 0 };

function plan(...providers: string[]): Plan {
  return {
    model: 'smart',
    strategy: 'fallback',
    targets: providers.map((provider) => ({ provider, model: `${provider}-model`, retry: noRetry })),
  };
}

const request = { model: 'smart', messages: [{ role: 'user' as const, content: 'hello' }] };
const streamRequest = { ...request, stream: true };
const options = { requestId: 'req-exec' };

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

describe('executor: chat', () => {
  it('serves from the first target when it answers', async () => {
    const execution = await executor.chat(plan('first', 'second'), request, options);
    expect(execution.target).toEqual({ provider: 'first', model: 'first-model' });
    expect(execution.result.response.choices[0]?.message.content).toBe('Echo: hello');
    expect(execution.attempts).toEqual([{ provider: 'first', model: 'first-model', status: 200, latencyMs: expect.any(Number), startMs: expect.any(Number) }]);
    expect((fake('first').requests[0]?.body as { model: string }).model).toBe('first-model');
    expect(fake('second').requests).toHaveLength(0);
  });

  it('falls back in order on retryable failures', async () => {
    fake('first').script({ status: 429, retryAfter: 1 });
    fake('second').script({ status: 503 });
    const execution = await executor.chat(plan('first', 'second', 'third'), request, options);
    expect(execution.target.provider).toBe('third');
    expect(execution.attempts.map(({ provider, status, errorCode }) => ({ provider, status, errorCode }))).toEqual([
      { provider: 'first', status: 429, errorCode: 'rate_limited' },
      { provider: 'second', status: 503, errorCode: 'provider_error' },
      { provider: 'third', status: 200, errorCode: undefined },
    ]);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ request_id: 'req-exec', provider: 'first', status: 429, code: 'rate_limited', retryable: true });
    expect(warn.mock.calls[0]?.[0]).not.toHaveProperty('requestId');
  });

  it("logs why a provider failed, with the provider's scrubbed message the client does not see", async () => {
    fake('first').script({ status: 500, body: { error: { message: 'shard 7 down; db=postgres://admin:hunter2@db.internal/x' } } });
    const execution = await executor.chat(plan('first', 'second'), request, options);
    expect(execution.target.provider).toBe('second');
    expect(warn).toHaveBeenCalledTimes(1);
    const [details, message] = warn.mock.calls[0]!;
    expect(message).toBe('provider attempt failed');
    expect(details).toMatchObject({
      request_id: 'req-exec',
      provider: 'first',
      status: 500,
      code: 'provider_error',
      error: 'provider first failed (500)',
      upstream_message: 'shard 7 down; db=postgres://***@db.internal/x',
    });
    expect(JSON.stringify(details)).not.toContain('hunter2');
  });

  it.each([400, 401, 403, 404, 422])('does not fall back on %i', async (status) => {
    fake('first').script({ status });
    const error = await rejection(executor.chat(plan('first', 'second'), request, options));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).upstreamStatus).toBe(status);
    expect(attemptsOf(error)).toHaveLength(1);
    expect(fake('second').requests).toHaveLength(0);
  });

  it('throws the last error with every attempt when all targets fail', async () => {
    fake('first').script({ status: 500 });
    fake('second').script({ status: 429, retryAfterMs: 2500 });
    const error = await rejection(executor.chat(plan('first', 'second'), request, options));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 3, source: 'provider:second' });
    expect(attemptsOf(error)?.map((attempt) => attempt.status)).toEqual([500, 429]);
  });

  it('times an attempt out after the provider timeout and moves on', async () => {
    fake('first').script({ hang: true });
    const started = Date.now();
    const execution = await executor.chat(plan('first', 'second'), request, options);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(execution.target.provider).toBe('second');
    expect(execution.attempts[0]).toMatchObject({ provider: 'first', status: 504, errorCode: 'provider_timeout' });
  });

  it('reports provider_timeout when the only target hangs', async () => {
    fake('first').script({ hang: true });
    const error = await rejection(executor.chat(plan('first'), request, options));
    expect(error.code).toBe('provider_timeout');
    expect(error.status).toBe(504);
  });

  it('skips a provider the plan names but this process does not know, as unavailable', async () => {
    const execution = await executor.chat(plan('missing', 'first'), request, options);
    expect(execution.target.provider).toBe('first');
    expect(execution.attempts[0]).toEqual({ provider: 'missing', model: 'missing-model', status: 503, latencyMs: 0, startMs: expect.any(Number), errorCode: 'provider_unavailable' });
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ request_id: 'req-exec', provider: 'missing', code: 'provider_unavailable' });
    const error = await rejection(executor.chat(plan('missing'), request, options));
    expect(error).toMatchObject({ code: 'provider_unavailable', status: 503, source: 'provider:missing' });
    expect(error.message).toContain('provider missing');
    expect(attemptsOf(error)).toHaveLength(1);
  });

  it("reports a provider's failure rather than a later unknown provider", async () => {
    fake('first').script({ status: 502 });
    const error = await rejection(executor.chat(plan('first', 'missing'), request, options));
    expect(error).toMatchObject({ code: 'provider_error', source: 'provider:first' });
    expect(attemptsOf(error)?.map((attempt) => attempt.errorCode)).toEqual(['provider_error', 'provider_unavailable']);
  });

  it("stops at once when the caller aborts, rethrowing the caller's reason", async () => {
    fake('first').script({ hang: true });
    const controller = new AbortController();
    const reason = new Error('client disconnected');
    setTimeout(() => controller.abort(reason), 50);
    const error = await executor
      .chat(plan('first', 'second'), request, { requestId: 'r', signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBe(reason);
    expect(fake('second').requests).toHaveLength(0);
  });

  it('reports an unexpected throw as internal_error without falling back', async () => {
    const broken: ProviderAdapter = {
      settings: { name: 'broken', type: 'openai' },
      chat: () => Promise.reject(new TypeError('undefined is not a function')),
      chatStream: () => Promise.reject(new TypeError('nope')),
      embeddings: () => Promise.reject(new TypeError('nope')),
    };
    const local = createExecutor({ getAdapter: (name) => (name === 'broken' ? broken : adapters.get(name)) });
    const error = await rejection(local.chat(plan('broken', 'first'), request, options));
    expect(error.code).toBe('internal_error');
    expect(error.message).not.toContain('undefined is not a function');
    expect(fake('first').requests).toHaveLength(0);
  });
});

describe('executor: stream', () => {
  it('falls back when the stream fails to open', async () => {
    fake('first').script({ status: 500 });
    const execution = await executor.chatStream(plan('first', 'second'), streamRequest, options);
    expect(execution.target.provider).toBe('second');
    const parts = await collect(execution.result.parts);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 1, outputTokens: 2 } });
    expect(execution.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
  });

  it('falls back when the stream dies before its first chunk', async () => {
    fake('first').script({ cutStreamAfterChunks: 0 });
    const execution = await executor.chatStream(plan('first', 'second'), streamRequest, options);
    expect(execution.target.provider).toBe('second');
    expect(execution.attempts[0]).toMatchObject({ provider: 'first', errorCode: 'provider_unavailable' });
  });

  it('never falls back after the first chunk: the failure surfaces from the parts', async () => {
    fake('first').script({ cutStreamAfterChunks: 2 });
    const execution = await executor.chatStream(plan('first', 'second'), streamRequest, options);
    expect(execution.target.provider).toBe('first');
    const received: StreamPart[] = [];
    const error = await (async () => {
      for await (const part of execution.result.parts) received.push(part);
    })().catch((caught: unknown) => caught);
    expect(received).toHaveLength(2);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_unavailable', source: 'provider:first' });
    expect(fake('second').requests).toHaveLength(0);
  });

  it('fails a stalled stream with provider_timeout, but not a slow consumer', async () => {
    fake('first').script({ stallStreamAfterChunks: 2 });
    const stalled = await executor.chatStream(plan('first'), streamRequest, options);
    const error = await collect(stalled.result.parts).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_timeout' });

    const healthy = await executor.chatStream(plan('first'), streamRequest, options);
    let count = 0;
    for await (const part of healthy.result.parts) {
      count += 1;
      // Longer than the 300 ms budget in total, while the upstream is never waited on for that long.
      if (part.type === 'chunk') await new Promise((resolve) => setTimeout(resolve, 120));
    }
    expect(count).toBeGreaterThan(3);
  });

  it('times out opening a hanging stream and moves on', async () => {
    fake('first').script({ hang: true });
    const execution = await executor.chatStream(plan('first', 'second'), streamRequest, options);
    expect(execution.target.provider).toBe('second');
    expect(execution.attempts[0]).toMatchObject({ errorCode: 'provider_timeout', status: 504 });
  });
});

describe('executor: embeddings', () => {
  it('falls back and reports the serving target', async () => {
    fake('first').script({ status: 502 });
    const execution = await executor.embeddings(plan('first', 'second'), { model: 'e', input: 'a b' }, options);
    expect(execution.target).toEqual({ provider: 'second', model: 'second-model' });
    expect(execution.result.usage).toEqual({ inputTokens: 2, outputTokens: 0 });
  });
});

describe('executor: retries against a real HTTP upstream', () => {
  it('retries the same target on 503 and 429 with Retry-After, then serves from it', async () => {
    fake('first').script([{ status: 503 }, { status: 429, retryAfterMs: 5 }]);
    const retrying = { ...noRetry, attempts: 2, initialBackoffMs: 2, maxBackoffMs: 2, maxRetryAfterMs: 50 };
    const execution = await executor.chat(
      { model: 'smart', strategy: 'fallback', targets: [{ provider: 'first', model: 'first-model', retry: retrying }, { provider: 'second', model: 'second-model' }] },
      request,
      options,
    );
    expect(execution.target.provider).toBe('first');
    expect(execution.attempts.map(({ status, retry }) => ({ status, retry }))).toEqual([
      { status: 503, retry: undefined },
      { status: 429, retry: 1 },
      { status: 200, retry: 2 },
    ]);
    expect(fake('first').requests).toHaveLength(3);
    expect(fake('second').requests).toHaveLength(0);
  });
});
