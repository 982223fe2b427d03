import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canarySecret, eventually, startHarness, type Harness, type Mode } from './harness.ts';

const modes: Mode[] = ['embedded', 'servers'];

describe.each(modes)('gateway end to end (%s)', (mode) => {
  let harness: Harness;
  let key: string;
  let keyId: string;
  let client: OpenAI;

  beforeAll(async () => {
    harness = await startHarness(mode);
    const created = await harness.createKey({ name: `e2e ${mode}` });
    key = created.key;
    keyId = created.id;
    client = new OpenAI({ baseURL: harness.baseUrl, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answers a chat completion through the official SDK, with gateway headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'hello gateway' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Echo: hello gateway');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(Number(response.headers.get('x-gateway-overhead-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-gateway-target')).toBe('fake/gpt-4o-mini');
    const upstream = harness.fake.requests.at(-1)!;
    expect(upstream.body).toMatchObject({ model: 'gpt-4o-mini' });
    expect(upstream.headers.authorization).toBe(`Bearer ${canarySecret}`);
  });

  it('reuses an incoming x-request-id, but never as the usage key', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 2; index++) {
      const { response } = await client.chat.completions
        .create({ model: 'fast', messages: [{ role: 'user', content: 'with id' }] }, { headers: { 'x-request-id': `kong-${mode}-123` } })
        .withResponse();
      expect(response.headers.get('x-request-id')).toBe(`kong-${mode}-123`);
      ids.push(response.headers.get('x-gateway-request-id')!);
    }
    expect(new Set(ids).size).toBe(2);
    // Both calls are recorded, each under the gateway's own id, both findable by the id the client sent.
    const records = await eventually(async () => {
      const page = await harness.admin('GET', `/usage?request_id=kong-${mode}-123`);
      return page.body.data.length === 2 ? page.body.data : undefined;
    });
    expect(records.map((record: { request_id: string }) => record.request_id).sort()).toEqual([...ids].sort());
  });

  it('streams with stream_options.include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'stream these words please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Echo: stream these words please');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams without a usage chunk when the client did not ask for one', async () => {
    const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'no usage' }], stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.choices.length > 0 && !chunk.usage)).toBe(true);
    // Upstream was still asked for usage, so the gateway can record tokens.
    expect(harness.fake.requests.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('passes tools and other OpenAI parameters through unchanged, and streams tool calls the SDK reassembles', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const runner = client.chat.completions.stream({
      model: 'fast',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather in Paris?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      ],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      seed: 42,
      stop: ['END'],
      user: 'user-7',
      logprobs: false,
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toHaveProperty('city');
    expect(harness.fake.requests.at(-1)?.body).toMatchObject({
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      seed: 42,
      stop: ['END'],
      user: 'user-7',
      logprobs: false,
      messages: [{ role: 'user', content: [{ type: 'text' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    });
  });

  it('passes response_format and n through', async () => {
    const completion = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' } } } } },
      n: 2,
    });
    expect(completion.choices).toHaveLength(2);
    expect(JSON.parse(completion.choices[0]!.message.content!)).toHaveProperty('answer');
    expect(harness.fake.requests.at(-1)?.body).toMatchObject({ n: 2, response_format: { type: 'json_schema' } });
  });

  it('creates embeddings', async () => {
    const result = await client.embeddings.create({ model: 'embed', input: ['one', 'two'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('addresses a provider directly as <provider>/<model>', async () => {
    const completion = await client.chat.completions.create({ model: 'fake-backup/gpt-4o', messages: [{ role: 'user', content: 'direct' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: direct');
    expect(harness.fake.requests.at(-1)?.body).toMatchObject({ model: 'gpt-4o' });
  });

  it('lists the models a key may use', async () => {
    const all = await client.models.list();
    expect(all.data.map((model) => model.id).sort()).toEqual(['embed', 'fast', 'priced', 'resilient']);
    const limited = await harness.createKey({ name: 'limited', models: ['fast'] });
    const limitedClient = new OpenAI({ baseURL: harness.baseUrl, apiKey: limited.key, maxRetries: 0 });
    expect((await limitedClient.models.list()).data.map((model) => model.id)).toEqual(['fast']);
    await expect(limitedClient.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 403,
      code: 'model_not_allowed',
    });
  });

  it('accepts the key as x-api-key', async () => {
    const response = await fetch(`${harness.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'header' }] }),
    });
    expect(response.status).toBe(200);
  });

  describe('errors', () => {
    const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
      fetch(`${harness.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const valid = { model: 'fast', messages: [{ role: 'user', content: 'hi' }] };
    // One call to the fake provider, no retries: these tests are about how a single failure is mapped.
    const once = () => ({
      authorization: `Bearer ${key}`,
      'x-gateway-config': JSON.stringify({ strategy: 'single', retry: { attempts: 0 }, targets: [{ provider: 'fake', model: 'gpt-4o' }] }),
    });

    it('401 without a key, with a bad key, and for an injection-shaped key', async () => {
      for (const headers of [{}, { authorization: 'Bearer gw-wrong' }, { authorization: "Bearer ' OR '1'='1" }] as Array<Record<string, string>>) {
        const response = await post(valid, headers);
        expect(response.status).toBe(401);
        const body = (await response.json()) as { error: Record<string, unknown> };
        expect(body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
        expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
      }
    });

    it('401 for revoked and expired keys', async () => {
      const revoked = await harness.createKey({ name: 'to revoke' });
      expect((await post(valid, { authorization: `Bearer ${revoked.key}` })).status).toBe(200);
      expect((await harness.admin('DELETE', `/keys/${revoked.id}`)).status).toBe(200);
      await eventually(async () => ((await post(valid, { authorization: `Bearer ${revoked.key}` })).status === 401 ? true : undefined));
      const past = await harness.admin('POST', '/keys', { name: 'born expired', expires_at: new Date(Date.now() - 1000).toISOString() });
      expect(past.status).toBe(400);
      expect(past.body.error.param).toBe('expires_at');
      const expired = await harness.createKey({ name: 'expiring', expires_at: new Date(Date.now() + 1500).toISOString() });
      expect((await post(valid, { authorization: `Bearer ${expired.key}` })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const response = await post(valid, { authorization: `Bearer ${expired.key}` });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
    });

    it('checks the key before the body: 401, not 400, for a bad body without a key', async () => {
      const response = await post({ model: 1 }, {});
      expect(response.status).toBe(401);
      const adminResponse = await fetch(`${harness.gateway.url}/admin/v1/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ unexpected: true }),
      });
      expect(adminResponse.status).toBe(401);
      expect(JSON.stringify(await adminResponse.json())).not.toContain('name');
    });

    it('puts x-request-id and x-gateway-overhead-ms on every response, errors and admin included', async () => {
      for (const response of [
        await fetch(`${harness.baseUrl}/no-such-route`),
        await fetch(`${harness.gateway.url}/elsewhere`),
        await fetch(`${harness.gateway.url}/admin/v1/keys`, { headers: { authorization: `Bearer ${harness.masterKey}` } }),
        await fetch(`${harness.gateway.url}/health`),
        await post({ ...valid, model: 'no-such-model' }),
      ]) {
        expect(response.headers.get('x-request-id')).toBeTruthy();
        expect(Number(response.headers.get('x-gateway-overhead-ms'))).toBeGreaterThanOrEqual(0);
      }
    });

    it('records a non-streaming call whose client gave up as cancelled', async () => {
      harness.fake.script({ delayMs: 1500 });
      const controller = new AbortController();
      const pending = fetch(`${harness.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': `abort-${mode}` },
        body: JSON.stringify(valid),
        signal: controller.signal,
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await pending;
      const record = await eventually(async () => {
        const page = await harness.admin('GET', `/usage?key_id=${keyId}&limit=1000`);
        return page.body.data.find((entry: { client_request_id?: string }) => entry.client_request_id === `abort-${mode}`);
      });
      expect(record).toMatchObject({ status: 499, error_code: 'request_cancelled', stream: false });
    });

    it('404 for an unknown model, 400 with param for a bad body, 400 for bad JSON', async () => {
      const unknown = await post({ ...valid, model: 'no-such-model' });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
      const bad = await post({ model: 'fast', messages: [{ role: 'user', content: 'x' }], temperature: 7 });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request', param: 'temperature', type: 'invalid_request_error' } });
      const missing = await post({ model: 'fast' });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error: { param: 'messages' } });
      const notJson = await post('{"model": ');
      expect(notJson.status).toBe(400);
    });

    it('413 for a body over the limit', async () => {
      const response = await post({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: 'request_too_large' } });
    });

    it('502 for a provider error, mapped and without secrets', async () => {
      harness.fake.script({ status: 500, body: { error: { message: `upstream exploded with key ${canarySecret}` } } });
      const response = await post(valid, once());
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(text).not.toContain(canarySecret);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'provider_error', source: expect.stringMatching(/^provider:/) } });
    });

    it('504 when the provider does not answer in time', async () => {
      harness.fake.script({ hang: true });
      const response = await post({ ...valid, model: 'fake/gpt-4o' }, once());
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ error: { code: 'provider_timeout' } });
    });

    it('falls back to the next target on a retryable failure and says what served', async () => {
      harness.fake.script({ status: 503 });
      const { data, response } = await client.chat.completions
        .create({ model: 'resilient', messages: [{ role: 'user', content: 'fall back' }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe('Echo: fall back');
      expect(response.headers.get('x-gateway-target')).toBe('fake-backup/backup-model');
      expect(response.headers.get('x-gateway-attempts')).toBe('2');
    });

    it('does not fall back on a client error from the provider', async () => {
      harness.fake.script({ status: 400, body: { error: { message: 'bad temperature for this model', type: 'invalid_request_error', param: 'temperature', code: null } } });
      const response = await post({ ...valid, model: 'resilient' });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('bad temperature') } });
      expect(harness.fake.requests.at(-1)?.body).toMatchObject({ model: 'primary-model' });
    });

    it('passes a provider rate limit on as 429 with Retry-After', async () => {
      harness.fake.script({ status: 429, retryAfter: 7 });
      const response = await post(valid, once());
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(await response.json()).toMatchObject({ error: { code: 'rate_limited' } });
    });

    it('ends a stream the provider cuts with an error event the SDK raises', async () => {
      harness.fake.script({ cutStreamAfterChunks: 2 });
      const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'one two three four five six' }], stream: true });
      const received: string[] = [];
      await expect(
        (async () => {
          for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
        })(),
      ).rejects.toThrow();
      expect(received.length).toBeGreaterThan(0);
    });

    it('records a client that leaves mid-stream as cancelled', async () => {
      harness.fake.script({ stallStreamAfterChunks: 2 });
      const controller = new AbortController();
      const response = await fetch(`${harness.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'leave early' }], stream: true }),
        signal: controller.signal,
      });
      const requestId = response.headers.get('x-request-id')!;
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      const record = await eventually(async () => {
        const page = await harness.admin('GET', `/usage?key_id=${keyId}&limit=1000`);
        return page.body.data.find((entry: { request_id: string }) => entry.request_id === requestId);
      });
      expect(record).toMatchObject({ status: 499, error_code: 'request_cancelled', stream: true });
    });

    it('surfaces errors to the SDK as APIError with status and code', async () => {
      await expect(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
        status: 404,
        code: 'model_not_found',
      });
    });
  });

  it('records every request exactly once, with tokens and cost, visible through the admin API', async () => {
    const usageKey = await harness.createKey({ name: 'usage' });
    const usageClient = new OpenAI({ baseURL: harness.baseUrl, apiKey: usageKey.key, maxRetries: 0 });
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const { response } = await usageClient.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'count me in' }] }).withResponse();
      ids.push(response.headers.get('x-request-id')!);
    }
    const stream = await usageClient.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'stream me' }], stream: true });
    for await (const _chunk of stream) void _chunk;
    await usageClient.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined);

    const page = await eventually(async () => {
      const result = await harness.admin('GET', `/usage?key_id=${usageKey.id}`);
      return result.body.data.length >= 5 ? result.body : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const settled = (await harness.admin('GET', `/usage?key_id=${usageKey.id}`)).body;
    expect(settled.data).toHaveLength(5);
    expect(new Set(settled.data.map((record: { request_id: string }) => record.request_id)).size).toBe(5);
    for (const id of ids) expect(page.data.some((record: { request_id: string }) => record.request_id === id)).toBe(true);
    const ok = settled.data.filter((record: { status: number }) => record.status === 200);
    expect(ok).toHaveLength(4);
    for (const record of ok) {
      expect(record).toMatchObject({ model: 'priced', provider: 'fake', provider_model: 'custom-model', key_id: usageKey.id, error_code: null });
      expect(record.input_tokens).toBeGreaterThan(0);
      expect(record.output_tokens).toBeGreaterThan(0);
      expect(record.cost_usd).toBeCloseTo(record.input_tokens * 1 + record.output_tokens * 2, 6);
    }
    expect(settled.data.find((record: { status: number }) => record.status === 404)).toMatchObject({ error_code: 'model_not_found', model: 'missing' });
    expect(settled.data.some((record: { stream: boolean }) => record.stream)).toBe(true);
    expect(settled.summary.requests).toBe(5);
    expect(settled.summary.errors).toBe(1);
  });

  it('manages providers and models through the admin API, live, with file entries read-only', async () => {
    const openapi = (await fetch(`${harness.gateway.url}/admin/v1/openapi.json`).then((response) => response.json())) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/admin/v1/keys', '/admin/v1/keys/{id}', '/admin/v1/usage', '/admin/v1/providers']));

    expect((await harness.admin('GET', '/keys', undefined)).status).toBe(200);
    const unauthorised = await fetch(`${harness.gateway.url}/admin/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(unauthorised.status).toBe(401);

    const providers = await harness.admin('GET', '/providers');
    expect(providers.body.data.find((provider: { name: string }) => provider.name === 'fake')).toMatchObject({ source: 'file', has_api_key: true });
    expect(JSON.stringify(providers.body)).not.toContain(canarySecret);
    const readOnly = await harness.admin('PUT', '/providers/fake', { type: 'openai', api_key: 'x' });
    expect(readOnly.status, JSON.stringify(readOnly.body)).toBe(409);

    for (const [body, param] of [
      [{ name: 'reg', type: 'openai', region: 'us-east-1' }, 'region'],
      [{ name: 'half', type: 'bedrock', region: 'us-east-1', aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE' }, 'aws_secret_access_key'],
      [{ name: 'nourl', type: 'openai-compatible' }, 'base_url'],
      [{ name: 'creds', type: 'openai-compatible', base_url: 'http://user:pass@proxy.example/v1' }, 'base_url'],
      [{ name: 'crlf', type: 'openai', headers: { 'x-extra': 'a\r\nx-injected: 1' } }, 'headers.x-extra'],
    ] as const) {
      const refused = await harness.admin('POST', '/providers', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.param).toBe(param);
      expect(JSON.stringify(refused.body)).not.toContain('pass@');
    }
    const created = await harness.admin('POST', '/providers', { name: 'added', type: 'openai-compatible', base_url: harness.fake.url, api_key: canarySecret });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(canarySecret);
    const model = await harness.admin('POST', '/models', { name: 'live-model', targets: [{ provider: 'added', model: 'gpt-4o' }] });
    expect(model.status).toBe(201);
    const answer = await eventually(async () => {
      try {
        return await client.chat.completions.create({ model: 'live-model', messages: [{ role: 'user', content: 'live' }] });
      } catch {
        return undefined;
      }
    });
    expect(answer.choices[0]?.message.content).toBe('Echo: live');
    const invalid = await harness.admin('POST', '/models', { name: 'broken', targets: [{ provider: 'nobody', model: 'x' }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.param).toBe('targets.0.provider');
    expect((await harness.admin('DELETE', '/providers/added')).status).toBe(409);
    expect((await harness.admin('DELETE', '/models/live-model')).status).toBe(200);
    expect((await harness.admin('DELETE', '/providers/added')).status).toBe(200);
  });

  it('never writes a provider secret or a gateway key into its logs', async () => {
    await harness.gateway.url;
    const logs = harness.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(canarySecret);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(harness.masterKey);
    expect(logs).toContain('"request_id"');
    void keyId;
  });
});
