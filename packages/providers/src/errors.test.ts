import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '@gateway/testkit';
import { createAdapter } from './create-adapter.ts';
import { ProviderError, retryAfterMsFrom, scrubSecrets, upstreamErrorMessage } from './errors.ts';
import type { ProviderAdapter, StreamPart } from './types.ts';

const canaryKey = 'sk-canary-4f1c9e2b7a6d3e8f0a1b2c3d';
let fake: FakeOpenAi;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey: canaryKey });
  adapter = createAdapter({ name: 'openai-main', type: 'openai', baseUrl: fake.url, apiKey: canaryKey });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

function expectNoSecret(error: ProviderError, ...secrets: string[]): void {
  const shown = [error.message, JSON.stringify(error), inspect(error, { depth: 10 })].join('\n');
  for (const secret of secrets) expect(shown).not.toContain(secret);
}

describe('error mapping of upstream statuses', () => {
  it.each([
    { status: 400, code: 'invalid_request', retryable: false },
    { status: 404, code: 'invalid_request', retryable: false },
    { status: 422, code: 'invalid_request', retryable: false },
    { status: 401, code: 'provider_error', retryable: false },
    { status: 403, code: 'provider_error', retryable: false },
    { status: 408, code: 'provider_timeout', retryable: true },
    { status: 409, code: 'provider_error', retryable: true },
    { status: 413, code: 'request_too_large', retryable: false },
    { status: 429, code: 'rate_limited', retryable: true },
    { status: 500, code: 'provider_error', retryable: true },
    { status: 502, code: 'provider_error', retryable: true },
    { status: 503, code: 'provider_error', retryable: true },
    { status: 402, code: 'provider_error', retryable: false },
  ])('$status → $code (retryable: $retryable)', async ({ status, code, retryable }) => {
    fake.script({ status });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error).toMatchObject({ code, retryable, upstreamStatus: status, source: 'provider:openai-main', provider: 'openai-main' });
    expect(error.message).toContain('openai-main');
    expect(error.message).toContain(String(status));
  });

  it('passes the upstream message of a client error through', async () => {
    fake.script({
      status: 400,
      body: { error: { message: "Invalid value for 'temperature': must be <= 2.", type: 'invalid_request_error', param: 'temperature', code: null } },
    });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message).toBe("provider openai-main rejected the request (400): Invalid value for 'temperature': must be <= 2.");
  });

  it("reads Mistral's validation detail as a message", async () => {
    fake.script({
      status: 422,
      body: {
        object: 'error',
        message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'stream_options'], msg: 'Extra inputs are not permitted', input: true }] },
        type: 'invalid_request_error',
      },
    });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message).toContain('stream_options: Extra inputs are not permitted');
  });

  it('takes Retry-After in seconds, retry-after-ms over it, and an HTTP date', async () => {
    fake.script([{ status: 429, retryAfter: 20 }, { status: 429, retryAfter: 20, retryAfterMs: 1500 }]);
    const seconds = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(seconds).toMatchObject({ code: 'rate_limited', retryAfterMs: 20_000, retryAfterSeconds: 20, status: 429 });
    const milliseconds = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(milliseconds).toMatchObject({ retryAfterMs: 1500, retryAfterSeconds: 2 });
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMsFrom(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMsFrom(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });

  it('never shows the key or an upstream body with secrets', async () => {
    const leakyBody = {
      error: {
        message: `Incorrect API key provided: ${canaryKey}. Also Bearer ${canaryKey} and api_key=${canaryKey}`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
      debug: { echoed_headers: { authorization: `Bearer ${canaryKey}` } },
    };
    for (const status of [400, 401, 429, 500]) {
      fake.script({ status, body: leakyBody });
      const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
      expectNoSecret(error, canaryKey, 'sk-canary', 'echoed_headers');
      if (status === 400) expect(error.message).toContain('Incorrect API key provided: [redacted].');
    }
    fake.script({ status: 400, body: leakyBody });
    const opening = await failure(adapter.chatStream({ request: { ...request, stream: true }, model: 'gpt-4o', requestId: 'r' }));
    expectNoSecret(opening, canaryKey, 'sk-canary');
  });

  it('does not leak a wrong key echoed by the real 401 either', async () => {
    const wrong = createAdapter({ name: 'openai-main', type: 'openai', baseUrl: fake.url, apiKey: 'sk-canary-wrong-0000000000000' });
    const error = await failure(wrong.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message).toBe("provider openai-main rejected the gateway's credentials (401)");
    expectNoSecret(error, 'sk-canary-wrong-0000000000000', 'sk-canary');
  });

  const internalFailure = 'internal failure at http://10.0.0.5:8000/internal db=postgres://admin:hunter2@db.internal/x';

  it.each([500, 502, 503, 409, 401, 403, 402])("keeps a provider's own message out of a %i, for logs only", async (status) => {
    fake.script({ status, body: { error: { message: internalFailure, type: 'server_error' } } });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message).toMatch(new RegExp(`^provider openai-main [^:]*\\(${status}\\)$|^provider openai-main answered with status ${status}$`));
    expect(error.message).not.toContain('10.0.0.5');
    expect(error.message).not.toContain('internal failure');
    // Operators still learn why, scrubbed: from the error's cause (logged by the root handler).
    const scrubbed = 'internal failure at http://10.0.0.5:8000/internal db=postgres://***@db.internal/x';
    expect(error.upstreamMessage).toBe(scrubbed);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe(`provider openai-main said: ${scrubbed}`);
    expectNoSecret(error, 'hunter2', 'admin:');
  });

  it('gives a 500 nothing but the provider and the status', async () => {
    fake.script({ status: 500, body: { error: { message: internalFailure } } });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message).toBe('provider openai-main failed (500)');
  });

  it("shows a client error's message with credentials in URLs removed", async () => {
    fake.script({ status: 400, body: { error: { message: internalFailure } } });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message).toBe(
      'provider openai-main rejected the request (400): internal failure at http://10.0.0.5:8000/internal db=postgres://***@db.internal/x',
    );
    expect(error.upstreamMessage).toBe('internal failure at http://10.0.0.5:8000/internal db=postgres://***@db.internal/x');
    expectNoSecret(error, 'hunter2');
  });

  it('shows nothing of a non-JSON body', async () => {
    fake.script({ status: 502, body: `<html><body>Bad gateway ${canaryKey}</body></html>` });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message).toBe('provider openai-main failed (502)');
  });

  it('cuts long messages', async () => {
    fake.script({ status: 400, body: { error: { message: 'x '.repeat(1000), type: 'invalid_request_error' } } });
    const error = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r' }));
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('error mapping of connection failures', () => {
  it('maps a refused connection to provider_unavailable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const closed = createAdapter({ name: 'gone', type: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1` });
    const error = await failure(closed.chat({ request, model: 'm', requestId: 'r' }));
    expect(error).toMatchObject({ code: 'provider_unavailable', retryable: true, source: 'provider:gone' });
    expect(error.upstreamStatus).toBeUndefined();
    expect(error.message).toContain('gone');
  });

  it('maps a connection cut mid-stream to provider_unavailable from the parts', async () => {
    fake.script({ cutStreamAfterChunks: 2 });
    const opened = await adapter.chatStream({ request: { ...request, stream: true }, model: 'gpt-4o', requestId: 'r' });
    const parts: StreamPart[] = [];
    const error = await (async () => {
      for await (const part of opened.parts) parts.push(part);
    })().catch((caught: unknown) => caught);
    expect(parts).toHaveLength(2);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
  });

  it('maps a timeout signal to provider_timeout and a caller abort to its own reason', async () => {
    fake.script([{ hang: true }, { hang: true }]);
    const timedOut = await failure(adapter.chat({ request, model: 'gpt-4o', requestId: 'r', signal: AbortSignal.timeout(50) }));
    expect(timedOut).toMatchObject({ code: 'provider_timeout', retryable: true });
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 30);
    const cancelled = await adapter.chat({ request, model: 'gpt-4o', requestId: 'r', signal: controller.signal }).catch((caught: unknown) => caught);
    expect(cancelled).toBe(reason);
  });
});

describe('scrubbing', () => {
  it('removes configured secrets and key-shaped strings', () => {
    const text = [
      'key sk-proj-abcdefghijklmnop',
      'masked sk-abc*********wxyz',
      'groq gsk_abcdefghijklmnopqrstu',
      'Authorization: Bearer abc.def.ghi',
      'api_key=hunter2hunter2',
      'azure 0123456789abcdef0123456789abcdef',
      'org org-AbCdEfGh12345678',
      'custom my-own-secret-value',
    ].join('\n');
    const scrubbed = scrubSecrets(text, ['my-own-secret-value']);
    for (const secret of ['sk-proj-abc', 'sk-abc*', 'gsk_', 'abc.def.ghi', 'hunter2', '0123456789abcdef0123', 'org-AbCd', 'my-own-secret']) {
      expect(scrubbed).not.toContain(secret);
    }
  });

  it('removes credentials in URLs, keeping scheme and host', () => {
    expect(scrubSecrets('internal failure at http://10.0.0.5:8000/internal db=postgres://admin:hunter2@db.internal/x')).toBe(
      'internal failure at http://10.0.0.5:8000/internal db=postgres://***@db.internal/x',
    );
    expect(scrubSecrets('redis://:s3cret@cache:6379/0 and https://ghp_token123@git.example/x and amqp://u:p@ss@mq/')).toBe(
      'redis://***@cache:6379/0 and https://***@git.example/x and amqp://***@mq/',
    );
    expect(scrubSecrets('see https://example.com/docs?contact=a@b.c')).toBe('see https://example.com/docs?contact=a@b.c');
  });

  it('removes long tokens that mix letters and digits, bearer tokens, sk- keys and AWS keys', () => {
    expect(scrubSecrets('key is abcd1234efgh5678')).toBe('key is [redacted]');
    expect(scrubSecrets('Authorization: Bearer abc.def-ghi_jkl')).not.toContain('abc.def');
    expect(scrubSecrets('got bearer tok3n')).toBe('got [redacted]');
    expect(scrubSecrets('Basic dXNlcjpwYXNzd29yZA==')).toBe('[redacted]');
    expect(scrubSecrets('sk-ant-api03-abcdEFGH1234 and sk-proj-xyz789abc')).toBe('[redacted] and [redacted]');
    expect(scrubSecrets('access key AKIAIOSFODNN7EXAMPLE, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.')).toBe(
      'access key [redacted], secret [redacted].',
    );
    expect(scrubSecrets('aws_secret_access_key=abc/def and x-api-key: zyx')).toBe('aws_secret_access_key=[redacted] and x-api-key: [redacted]');
  });

  it('keeps ordinary messages and model names readable', () => {
    const text = 'The model `accounts/fireworks/models/llama-v3p1-405b-instruct` does not exist; max_tokens: 5';
    expect(scrubSecrets(text)).toBe(text);
    for (const readable of [
      'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo is overloaded',
      'claude-3-5-sonnet-20241022 and gpt-4o-2024-08-06 and text-embedding-3-large',
      'Invalid value for max_tokens: expected an integer <= 16384, got 100000',
      'This model supports at most 128000 tokens; your messages have 130123 tokens.',
      'unknown parameter: response_format.json_schema.additionalProperties',
    ]) {
      expect(scrubSecrets(readable)).toBe(readable);
    }
  });

  it('finds the message in the common error body shapes', () => {
    expect(upstreamErrorMessage('{"error":{"message":"a"}}')).toBe('a');
    expect(upstreamErrorMessage('{"error":"b"}')).toBe('b');
    expect(upstreamErrorMessage('{"message":"c","object":"error"}')).toBe('c');
    expect(upstreamErrorMessage('{"detail":"d"}')).toBe('d');
    expect(upstreamErrorMessage('[{"error":{"message":"e"}}]')).toBe('e');
    expect(upstreamErrorMessage('<html>')).toBeUndefined();
    expect(upstreamErrorMessage('{"unrelated":true}')).toBeUndefined();
  });
});
