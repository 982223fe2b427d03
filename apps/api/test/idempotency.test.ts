import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { claimOrRead, completeClaim, releaseClaim } from '../src/idempotency/claim-scripts.ts';
import { startRoutedApi, type Mode, type RoutedApi } from './support/routed-api.ts';

/** POSTs JSON to the gateway and reads the whole answer as text. */
async function post(harness: RoutedApi, path: string, key: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'fast', messages: [{ role: 'user', content }], ...extra });

describe.each<Mode>(['embedded', 'servers'])('Idempotency-Key (%s)', (mode) => {
  let harness: RoutedApi;
  let key: string;
  let sequence = 0;
  /** A fresh Idempotency-Key per test, so tests never see each other's answers. */
  const idempotencyKey = () => `key-${mode}-${Date.now()}-${(sequence += 1)}`;
  const upstreamCalls = () => harness.fakeOpenAi.requests.filter((request) => request.method === 'POST').length;

  beforeAll(async () => {
    harness = await startRoutedApi(mode);
    key = await harness.createKey();
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(() => {
    harness.fakeOpenAi.reset();
  });
  /** The answers' own records (by `x-gateway-request-id`): a previous test's late record is never among them. */
  const recordsOf = (...answers: Array<{ headers: Headers }>) => harness.recordsFor(answers.map((answer) => answer.headers.get('x-gateway-request-id')));

  it('replays a JSON answer without calling the provider again, and flags the replay on its usage record', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const first = await post(harness, '/v1/chat/completions', key, chat('hello there'), headers);
    const second = await post(harness, '/v1/chat/completions', key, chat('hello there'), headers);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(JSON.parse(second.text).choices[0].message.content).toBe('Echo: hello there');
    expect(first.headers.get('x-gateway-idempotent-replay')).toBeNull();
    expect(second.headers.get('x-gateway-idempotent-replay')).toBe('true');
    expect(second.headers.get('x-gateway-target')).toBe(first.headers.get('x-gateway-target'));
    expect(second.headers.get('x-gateway-attempts')).toBe('1');
    expect(upstreamCalls()).toBe(1);

    const records = await recordsOf(first, second);
    expect(records).toHaveLength(2);
    const original = records.find((record) => record.requestId === first.headers.get('x-gateway-request-id'))!;
    const replay = records.find((record) => record.requestId === second.headers.get('x-gateway-request-id'))!;
    expect(original.outputTokens).toBeGreaterThan(0);
    expect(original.flags ?? []).toEqual([]);
    expect(replay).toMatchObject({ status: 200, inputTokens: 0, outputTokens: 0, costUsd: 0, flags: ['idempotent_replay'] });
  });

  it('replays a stream event for event, and the official SDK reads the replay as a stream', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const body = chat('one two three four', { stream: true, stream_options: { include_usage: true } });
    const first = await post(harness, '/v1/chat/completions', key, body, headers);
    const second = await post(harness, '/v1/chat/completions', key, body, headers);
    expect(first.status).toBe(200);
    expect(second.headers.get('content-type')).toContain('text/event-stream');
    expect(second.headers.get('x-gateway-idempotent-replay')).toBe('true');
    expect(second.text).toBe(first.text);
    expect(first.text.trimEnd().endsWith('data: [DONE]')).toBe(true);

    const client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const thirdId = `idempotency-${mode}-${Date.now()}-${(sequence += 1)}`;
    const third = await client.chat.completions.stream(
      { model: 'fast', messages: body.messages as never, stream: true, stream_options: { include_usage: true } },
      { headers: { ...headers, 'x-request-id': thirdId } },
    );
    const completion = await third.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Echo: one two three four');
    expect(upstreamCalls()).toBe(1);

    const records = [...(await recordsOf(first, second)), ...(await harness.recordsFor([thirdId]))];
    expect(records).toHaveLength(3);
    expect(records.filter((record) => record.flags?.includes('idempotent_replay'))).toHaveLength(2);
    expect(records.filter((record) => record.outputTokens > 0)).toHaveLength(1);
    expect(records.every((record) => record.stream)).toBe(true);
  });

  it('refuses the same key with another body (400), without calling the provider', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    await post(harness, '/v1/chat/completions', key, chat('first body'), headers);
    const other = await post(harness, '/v1/chat/completions', key, chat('another body'), headers);
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text).error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
    expect(JSON.parse(other.text).error.message).toContain('different request');
    // The same parameters in another key order are the same request.
    const reordered = await post(harness, '/v1/chat/completions', key, { messages: [{ content: 'first body', role: 'user' }], model: 'fast' }, headers);
    expect(reordered.status).toBe(200);
    expect(reordered.headers.get('x-gateway-idempotent-replay')).toBe('true');
    expect(upstreamCalls()).toBe(1);
  });

  it('refuses the same key with other steering headers (400); auth and request ids do not count', async () => {
    const idempotency = idempotencyKey();
    const headers = { 'idempotency-key': idempotency, 'x-gateway-metadata': '{"team":"a"}', 'x-gateway-timeout-ms': '30000' };
    const first = await post(harness, '/v1/chat/completions', key, chat('steered'), headers);
    expect(first.status).toBe(200);
    for (const other of [
      { 'x-gateway-metadata': '{"team":"b"}' },
      { 'x-gateway-metadata': undefined },
      { 'x-gateway-timeout-ms': '20000' },
      { 'x-gateway-strict': 'true' },
      { 'x-gateway-config': '{"strategy":"single","targets":[{"provider":"openai","model":"gpt-4o-mini"}]}' },
      { 'anthropic-beta': 'prompt-caching-2024-07-31' },
    ]) {
      const sent = Object.fromEntries(Object.entries({ ...headers, ...other }).filter((entry): entry is [string, string] => entry[1] !== undefined));
      const refused = await post(harness, '/v1/chat/completions', key, chat('steered'), sent);
      expect(refused.status, JSON.stringify(other)).toBe(400);
      expect(JSON.parse(refused.text).error.message).toContain('different request');
    }
    // Another request id is the same request: the first answer is replayed.
    const repeated = await post(harness, '/v1/chat/completions', key, chat('steered'), { ...headers, 'x-request-id': `repeat-${idempotency}` });
    expect(repeated.status).toBe(200);
    expect(repeated.headers.get('x-gateway-idempotent-replay')).toBe('true');
    expect(repeated.text).toBe(first.text);
    expect(upstreamCalls()).toBe(1);
  });

  it('keys are per gateway key: another key with the same Idempotency-Key runs on its own', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const otherKey = await harness.createKey();
    await post(harness, '/v1/chat/completions', key, chat('shared key'), headers);
    const other = await post(harness, '/v1/chat/completions', otherKey, chat('shared key'), headers);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-gateway-idempotent-replay')).toBeNull();
    expect(upstreamCalls()).toBe(2);
  });

  it('concurrent duplicates wait for the first: one provider call, every answer the same', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    harness.fakeOpenAi.script({ delayMs: 400 });
    const first = post(harness, '/v1/chat/completions', key, chat('concurrent'), headers);
    // The first request reached the provider (so it holds the key) before the duplicates are sent.
    while (upstreamCalls() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const duplicates = await Promise.all(Array.from({ length: 5 }, () => post(harness, '/v1/chat/completions', key, chat('concurrent'), headers)));
    const original = await first;
    expect(original.status).toBe(200);
    for (const duplicate of duplicates) {
      expect(duplicate.status).toBe(200);
      expect(duplicate.text).toBe(original.text);
      expect(duplicate.headers.get('x-gateway-idempotent-replay')).toBe('true');
    }
    expect(upstreamCalls()).toBe(1);
    const records = await recordsOf(original, ...duplicates);
    expect(records).toHaveLength(6);
    expect(records.filter((record) => record.flags?.includes('idempotent_replay'))).toHaveLength(5);
  });

  it('does not store a provider failure: a retry with the same key runs again and succeeds', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    // Enough failures for every retry the executor may make.
    harness.fakeOpenAi.script(Array.from({ length: 10 }, () => ({ status: 500 })));
    const failed = await post(harness, '/v1/chat/completions', key, chat('flaky'), headers);
    expect(failed.status).toBe(502);
    harness.fakeOpenAi.reset();
    const retried = await post(harness, '/v1/chat/completions', key, chat('flaky'), headers);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('x-gateway-idempotent-replay')).toBeNull();
    const replayed = await post(harness, '/v1/chat/completions', key, chat('flaky'), headers);
    expect(replayed.headers.get('x-gateway-idempotent-replay')).toBe('true');
    expect(replayed.text).toBe(retried.text);
    expect(upstreamCalls()).toBe(1);
  });

  it('does not claim the key for a request that fails validation', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const invalid = await post(harness, '/v1/chat/completions', key, { model: 'fast', messages: [] }, headers);
    expect(invalid.status).toBe(400);
    const valid = await post(harness, '/v1/chat/completions', key, chat('valid now'), headers);
    expect(valid.status).toBe(200);
    expect(valid.headers.get('x-gateway-idempotent-replay')).toBeNull();
  });

  it('replays embeddings and Anthropic messages too', async () => {
    const embedHeaders = { 'idempotency-key': idempotencyKey() };
    harness.planFor = (model) => ({ model, strategy: 'single', targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] });
    const firstEmbedding = await post(harness, '/v1/embeddings', key, { model: 'embed', input: 'vector me' }, embedHeaders);
    const secondEmbedding = await post(harness, '/v1/embeddings', key, { model: 'embed', input: 'vector me' }, embedHeaders);
    expect(secondEmbedding.text).toBe(firstEmbedding.text);
    expect(secondEmbedding.headers.get('x-gateway-idempotent-replay')).toBe('true');
    expect(upstreamCalls()).toBe(1);

    harness.planFor = (model) => ({ model, strategy: 'single', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] });
    harness.fakeAnthropic.reset();
    const messageHeaders = { 'idempotency-key': idempotencyKey(), 'anthropic-version': '2023-06-01' };
    const message = { model: 'fast', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'stream me' }] };
    const firstMessage = await post(harness, '/v1/messages', key, message, messageHeaders);
    const secondMessage = await post(harness, '/v1/messages', key, message, messageHeaders);
    expect(firstMessage.text).toContain('event: message_stop');
    expect(secondMessage.text).toBe(firstMessage.text);
    expect(secondMessage.headers.get('x-gateway-idempotent-replay')).toBe('true');
    expect(harness.fakeAnthropic.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    // The same Idempotency-Key on another path is another request.
    const elsewhere = await post(harness, '/v1/chat/completions', key, message, messageHeaders);
    expect(elsewhere.status).toBe(400);
    harness.planFor = (model) => ({ model, strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] });
  });

  it('claims atomically: of 50 concurrent claims of one key exactly one wins; only its holder completes or frees it', async () => {
    const storeKey = `claim-race-${idempotencyKey()}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => harness.store.run(claimOrRead, [storeKey], [`pending token${index} hash`, 60_000])),
    );
    const winners = results.map((result, index) => (result.claimed ? index : -1)).filter((index) => index >= 0);
    expect(winners).toHaveLength(1);
    const marker = `pending token${winners[0]} hash`;
    expect(results.filter((result) => !result.claimed && result.value === marker)).toHaveLength(49);
    expect(await harness.store.run(completeClaim, [storeKey], ['pending other hash', '{}', 60_000])).toBe(false);
    expect(await harness.store.run(releaseClaim, [storeKey], ['pending other hash'])).toBe(false);
    expect(await harness.store.run(completeClaim, [storeKey], [marker, '{"kind":"json"}', 60_000])).toBe(true);
    expect(await harness.store.get(storeKey)).toBe('{"kind":"json"}');
    expect(await harness.store.run(releaseClaim, [storeKey], [marker])).toBe(false);
  });
});
