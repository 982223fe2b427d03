import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness, type Mode } from './harness.ts';

const modes: Mode[] = ['embedded', 'servers'];

/**
 * The response cache end to end, through the official SDKs: exact and semantic hits, tenant isolation
 * and shared scopes, streaming replay, the request directives, single-flight and the usage records.
 * `fast` has no cache (the defaults say off); `cached` caches exactly; `similar` semantically.
 */
const models = `
  - name: cached
    cache: { mode: exact, ttl: 600 }
    targets:
      - { provider: fake, model: gpt-4o-mini }
    price: { input_per_million: 1000, output_per_million: 2000 }
  - name: similar
    cache: { mode: semantic, semantic: { threshold: 0.9 } }
    targets:
      - { provider: fake, model: gpt-4o }
  - name: similar-remote
    cache: { mode: semantic, semantic: { embedder: embed, threshold: 0.99 } }
    targets:
      - { provider: fake, model: gpt-4.1 }
`;

describe.each(modes)('response cache end to end (%s)', (mode) => {
  let harness: Harness;
  let client: OpenAI;
  let keyId: string;
  let key: string;

  beforeAll(async () => {
    harness = await startHarness(mode, { models, top: 'cache:\n  mode: off\n  ttl: 3600\n' });
    ({ id: keyId, key } = await harness.createKey({ name: `cache ${mode}` }));
    client = new OpenAI({ baseURL: harness.baseUrl, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  const upstreamCalls = () => harness.fake.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
  const ask = (content: string, options: { client?: OpenAI; model?: string; headers?: Record<string, string> } = {}) =>
    (options.client ?? client).chat.completions
      .create({ model: options.model ?? 'cached', messages: [{ role: 'user', content }] }, options.headers ? { headers: options.headers } : {})
      .withResponse();
  const usageOf = (requestId: string) =>
    eventually(async () => {
      const page = await harness.admin('GET', `/usage?request_id=${requestId}`);
      return page.body.data[0] as Record<string, unknown> | undefined;
    });

  it('misses, then replays the stored answer (MISS, HIT) without calling the provider; the hit is recorded with the cost saved', async () => {
    const before = upstreamCalls();
    const first = await ask(`capital of France ${mode}`);
    expect(first.response.headers.get('x-gateway-cache')).toBe('MISS');
    const second = await ask(`capital of France ${mode}`);
    expect(second.response.headers.get('x-gateway-cache')).toBe('HIT');
    expect(second.response.headers.get('x-gateway-cache-stored-at')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(second.data).toEqual(first.data);
    expect(upstreamCalls()).toBe(before + 1);

    const missRecord = await usageOf(first.response.headers.get('x-gateway-request-id')!);
    const hitRecord = await usageOf(second.response.headers.get('x-gateway-request-id')!);
    expect(missRecord).toMatchObject({ cache_status: 'miss' });
    expect(Number(missRecord['cost_usd'])).toBeGreaterThan(0);
    expect(hitRecord).toMatchObject({ cache_status: 'hit', provider: null });
    expect(Number(hitRecord['cost_usd'])).toBe(0);
    expect(Number(hitRecord['cost_saved_usd'])).toBeCloseTo(Number(missRecord['cost_usd']), 8);
  });

  it('never serves one key the answer cached for another, unless both keys share a scope', async () => {
    const other = new OpenAI({ baseURL: harness.baseUrl, apiKey: (await harness.createKey({ name: 'other tenant' })).key, maxRetries: 0 });
    await ask(`tenant question ${mode}`);
    expect((await ask(`tenant question ${mode}`)).response.headers.get('x-gateway-cache')).toBe('HIT');
    expect((await ask(`tenant question ${mode}`, { client: other })).response.headers.get('x-gateway-cache')).toBe('MISS');

    const teamA = new OpenAI({ baseURL: harness.baseUrl, apiKey: (await harness.createKey({ name: 'a1', cache: { scope: 'team-a' } })).key, maxRetries: 0 });
    const teamB = new OpenAI({ baseURL: harness.baseUrl, apiKey: (await harness.createKey({ name: 'a2', cache: { scope: 'team-a' } })).key, maxRetries: 0 });
    expect((await ask(`team question ${mode}`, { client: teamA })).response.headers.get('x-gateway-cache')).toBe('MISS');
    expect((await ask(`team question ${mode}`, { client: teamB })).response.headers.get('x-gateway-cache')).toBe('HIT');
  });

  it('does not cache a model whose cache is off, and says nothing about the cache then', async () => {
    const first = await ask(`uncached ${mode}`, { model: 'fast' });
    const second = await ask(`uncached ${mode}`, { model: 'fast' });
    expect(first.response.headers.get('x-gateway-cache')).toBeNull();
    expect(second.data.id).not.toBe(first.data.id);
  });

  it('replays a cached stream as SSE that the SDK stream helper reads, with the same text and usage', async () => {
    const request = {
      model: 'cached',
      messages: [{ role: 'user' as const, content: `stream me ${mode}` }],
      stream_options: { include_usage: true },
    };
    const before = upstreamCalls();
    const first = await client.chat.completions.stream(request).finalChatCompletion();
    const replayed = client.chat.completions.stream(request);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    replayed.on('chunk', (chunk) => chunks.push(chunk));
    const second = await replayed.finalChatCompletion();
    expect(second.choices[0]?.message.content).toBe(`Echo: stream me ${mode}`);
    expect(second).toEqual(first);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(upstreamCalls()).toBe(before + 1);
    // A JSON request with the same words is another entry: answers are replayed in their own form.
    expect((await ask(`stream me ${mode}`)).response.headers.get('x-gateway-cache')).toBe('MISS');
  });

  it('replays a cached Anthropic Messages stream for the Anthropic SDK', async () => {
    const anthropic = new Anthropic({ baseURL: harness.gateway.url, apiKey: key, maxRetries: 0 });
    const request = { model: 'cached', max_tokens: 100, messages: [{ role: 'user' as const, content: `anthropic ${mode}` }] };
    const first = await anthropic.messages.stream(request).finalMessage();
    const { data: second, response } = await anthropic.messages.create({ ...request, stream: true }).withResponse();
    expect(response.headers.get('x-gateway-cache')).toBe('HIT');
    let text = '';
    for await (const event of second) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    expect(text).toBe((first.content[0] as Anthropic.TextBlock).text);
    const json = await anthropic.messages.create(request).withResponse();
    expect(json.response.headers.get('x-gateway-cache')).toBe('MISS');
    expect((await anthropic.messages.create(request).withResponse()).response.headers.get('x-gateway-cache')).toBe('HIT');
  });

  it('answers a similar prompt from the semantic cache with its similarity, and a different one from the provider', async () => {
    const first = await ask(`What is the capital city of France? (${mode})`, { model: 'similar' });
    expect(first.response.headers.get('x-gateway-cache')).toBe('MISS');
    const similar = await ask(`What is the capital city of France, please? (${mode})`, { model: 'similar' });
    expect(similar.response.headers.get('x-gateway-cache')).toBe('SEMANTIC_HIT');
    const similarity = Number(similar.response.headers.get('x-gateway-cache-similarity'));
    expect(similarity).toBeGreaterThanOrEqual(0.9);
    expect(similarity).toBeLessThan(1);
    expect(similar.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    const different = await ask(`How long should I boil an egg? (${mode})`, { model: 'similar' });
    expect(different.response.headers.get('x-gateway-cache')).toBe('MISS');
    // Close in words but another question: below the threshold (the local embedder gives it about 0.85).
    const otherCountry = await ask(`What is the capital city of Spain? (${mode})`, { model: 'similar' });
    expect(otherCountry.response.headers.get('x-gateway-cache')).toBe('MISS');
    expect(await usageOf(similar.response.headers.get('x-gateway-request-id')!)).toMatchObject({ cache_status: 'semantic_hit' });
  });

  it('embeds with a configured embeddings model when the model says so', async () => {
    const text = `remote embedder ${mode}`;
    const first = await ask(text, { model: 'similar-remote' });
    expect(first.response.headers.get('x-gateway-cache')).toBe('MISS');
    const embedding = harness.fake.requests.filter((request) => request.path.endsWith('/embeddings')).at(-1);
    expect(embedding?.body).toMatchObject({ model: 'text-embedding-3-small', input: [text] });
    expect((await ask(text, { model: 'similar-remote' })).response.headers.get('x-gateway-cache')).toBe('HIT');
  });

  it('follows x-gateway-cache and Cache-Control on the request, and refuses an unknown value in the OpenAI error shape', async () => {
    const content = `directives ${mode}`;
    await ask(content);
    const bypass = await ask(content, { headers: { 'x-gateway-cache': 'no-cache' } });
    expect(bypass.response.headers.get('x-gateway-cache')).toBe('BYPASS');
    const refresh = await ask(content, { headers: { 'x-gateway-cache': 'force-refresh' } });
    expect(refresh.response.headers.get('x-gateway-cache')).toBe('REFRESH');
    const afterRefresh = await ask(content);
    expect(afterRefresh.response.headers.get('x-gateway-cache')).toBe('HIT');
    expect(afterRefresh.data.id).toBe(refresh.data.id);
    expect((await ask(content, { headers: { 'cache-control': 'no-cache' } })).response.headers.get('x-gateway-cache')).toBe('REFRESH');
    expect((await ask(`${content} fresh`, { headers: { 'x-gateway-cache': 'no-store' } })).response.headers.get('x-gateway-cache')).toBe('MISS');
    expect((await ask(`${content} fresh`)).response.headers.get('x-gateway-cache')).toBe('MISS');

    const refused = await ask(content, { headers: { 'x-gateway-cache': 'please' } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    const error = refused as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.error).toMatchObject({ code: 'invalid_request', param: 'x-gateway-cache', request_id: error.headers?.get('x-request-id') });
  });

  it('coalesces identical requests in flight into one provider call (single-flight)', async () => {
    harness.fake.scriptModel('gpt-4o-mini', { delayMs: 300 });
    const before = upstreamCalls();
    const answers = await Promise.all(Array.from({ length: 5 }, () => ask(`stampede ${mode}`)));
    expect(upstreamCalls()).toBe(before + 1);
    expect(new Set(answers.map((answer) => answer.data.id)).size).toBe(1);
    const statuses = answers.map((answer) => answer.response.headers.get('x-gateway-cache')).sort();
    expect(statuses).toEqual(['HIT', 'HIT', 'HIT', 'HIT', 'MISS']);
  });

  it('purges through the admin API by key, by model and everything', async () => {
    const content = `purge me ${mode}`;
    await ask(content);
    expect((await ask(content)).response.headers.get('x-gateway-cache')).toBe('HIT');
    expect((await harness.admin('POST', '/cache/purge', { key_id: keyId })).status).toBe(200);
    expect((await ask(content)).response.headers.get('x-gateway-cache')).toBe('MISS');
    expect((await harness.admin('POST', '/cache/purge', { model: 'cached' })).status).toBe(200);
    expect((await ask(content)).response.headers.get('x-gateway-cache')).toBe('MISS');
    expect((await harness.admin('POST', '/cache/purge', { all: true })).status).toBe(200);
    expect((await ask(content)).response.headers.get('x-gateway-cache')).toBe('MISS');
    expect((await ask(content)).response.headers.get('x-gateway-cache')).toBe('HIT');
    expect((await harness.admin('POST', '/cache/purge', { model: 'cached', all: true })).status).toBe(400);
  });
});
