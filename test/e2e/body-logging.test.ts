import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness, type Mode } from './harness.ts';

const modes: Mode[] = ['embedded', 'servers'];
/** Shaped like real credentials, in prompts; the fake provider echoes the prompt, so they come back in answers too. */
const openAiKey = 'sk-proj-Zq8rT2vLx9Kp4mWnB7cD1eF3gH5jK';
const awsKeyId = 'AKIAIOSFODNN7EXAMPLE';

/**
 * Body logging end to end: the gateway as `npm start` runs it (API, ledger, cache and guardrail
 * services; PGlite and the in-process bus, or Postgres and NATS), a key created with `log_bodies`
 * through the admin API, the official SDKs calling it, and what the ledger stored read back through
 * GET /admin/v1/usage/{id}/bodies: scrubbed of secrets, the prompt as the provider got it.
 */
const top = `cache:
  mode: off
guardrails:
  - name: pii-safe
    checks:
      - { type: pii, entities: [EMAIL_ADDRESS], action: redact, phase: input, reversible: true }
`;
const models = `
  - name: cached
    cache: { mode: exact, ttl: 600 }
    targets:
      - { provider: fake, model: gpt-4o-mini }
  - name: guarded
    guardrails: [pii-safe]
    targets:
      - { provider: fake, model: gpt-4o-mini }
`;

describe.each(modes)('body logging end to end (%s)', (mode) => {
  let harness: Harness;
  let logged: OpenAI;
  let keyId: string;

  beforeAll(async () => {
    harness = await startHarness(mode, { models, top });
    const created = await harness.createKey({ name: `bodies ${mode}`, log_bodies: true });
    keyId = created.id;
    logged = new OpenAI({ baseURL: harness.baseUrl, apiKey: created.key, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** The stored bodies of a request, once the ledger has written its record. */
  const storedBodies = async (requestId: string) => {
    await eventually(async () => ((await harness.admin('GET', `/usage?request_id=${requestId}`)).body.data[0] as unknown) ?? undefined);
    return harness.admin('GET', `/usage/${requestId}/bodies`);
  };

  it('keeps log_bodies on the key: created, shown, changed by PATCH, in the OpenAPI schema', async () => {
    expect((await harness.admin('GET', `/keys/${keyId}`)).body).toMatchObject({ log_bodies: true });
    const other = await harness.createKey({ name: 'toggled' });
    expect((await harness.admin('GET', `/keys/${other.id}`)).body).toMatchObject({ log_bodies: false });
    expect((await harness.admin('PATCH', `/keys/${other.id}`, { log_bodies: true })).body).toMatchObject({ log_bodies: true });
    expect((await harness.admin('PATCH', `/keys/${other.id}`, { name: 'renamed' })).body).toMatchObject({ name: 'renamed', log_bodies: true });
    expect((await harness.admin('PATCH', `/keys/${other.id}`, { log_bodies: 'yes' })).status).toBe(400);
    const openapi = (await (await fetch(`${harness.gateway.url}/admin/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const text = JSON.stringify(openapi);
    expect(text).toContain('log_bodies');
    expect(Object.keys(openapi.paths)).toContain('/admin/v1/usage/{request_id}/bodies');
  });

  it('stores a JSON request and a streamed one with the secrets scrubbed', async () => {
    const prompt = `use ${openAiKey} and ${awsKeyId}`;
    const { data, response } = await logged.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: prompt }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(`Echo: ${prompt}`);
    const json = await storedBodies(response.headers.get('x-gateway-request-id')!);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      prompt: 'user:\nuse <SECRET_1> and <SECRET_2>',
      completion: 'Echo: use <SECRET_1> and <SECRET_2>',
      prompt_truncated: false,
      completion_truncated: false,
    });

    const stream = await logged.chat.completions.create({ model: 'fast', stream: true, messages: [{ role: 'user', content: `stream ${awsKeyId}` }] }).withResponse();
    let text = '';
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(`Echo: stream ${awsKeyId}`);
    const streamed = await storedBodies(stream.response.headers.get('x-gateway-request-id')!);
    expect(streamed.body).toMatchObject({ prompt: 'user:\nstream <SECRET_1>', completion: 'Echo: stream <SECRET_1>' });
    expect(JSON.stringify([json.body, streamed.body])).not.toMatch(/sk-proj|AKIA/);
  });

  it('stores the Anthropic surface too', async () => {
    const { key } = await harness.createKey({ name: 'anthropic bodies', log_bodies: true });
    const anthropic = new Anthropic({ baseURL: harness.gateway.url, apiKey: key, maxRetries: 0 });
    const { response } = await anthropic.messages.create({ model: 'fast', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: `hello ${openAiKey}` }] }).withResponse();
    const stored = await storedBodies(response.headers.get('x-gateway-request-id')!);
    expect(stored.body).toMatchObject({ prompt: 'system:\nBe brief.\n\nuser:\nhello <SECRET_1>', completion: 'Echo: hello <SECRET_1>' });
  });

  it('stores the cached answer of a cache hit', async () => {
    const ask = () => logged.chat.completions.create({ model: 'cached', messages: [{ role: 'user', content: `cached question ${mode}` }] }).withResponse();
    expect((await ask()).response.headers.get('x-gateway-cache')).toBe('MISS');
    const hit = await ask();
    expect(hit.response.headers.get('x-gateway-cache')).toBe('HIT');
    const stored = await storedBodies(hit.response.headers.get('x-gateway-request-id')!);
    expect(stored.body).toMatchObject({ prompt: `user:\ncached question ${mode}`, completion: `Echo: cached question ${mode}` });
  });

  it('stores the prompt as the provider got it, and no value a reversible redaction gave back to the client', async () => {
    const email = `jane.${mode}@example.com`;
    const { data, response } = await logged.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: `write to ${email}` }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(`Echo: write to ${email}`);
    const stored = await storedBodies(response.headers.get('x-gateway-request-id')!);
    expect(stored.body).toMatchObject({ prompt: 'user:\nwrite to <EMAIL_ADDRESS_1>', completion: 'Echo: write to <EMAIL_ADDRESS_1>' });
    expect(JSON.stringify(stored.body)).not.toContain(email);
  });

  it('stores nothing for a key without body logging', async () => {
    const { key } = await harness.createKey({ name: 'not logged' });
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: key, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'private' }] }).withResponse();
    const stored = await storedBodies(response.headers.get('x-gateway-request-id')!);
    expect(stored.status).toBe(404);
    expect(stored.body).toMatchObject({ error: { code: 'not_found' } });
  });
});
