import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request as undiciRequest } from 'undici';
import { createMemoryBus, type Bus } from '@gateway/bus';
import { parseEnvironment } from '@gateway/config';
import { createDatabase, createSecretBox, migrateToLatest, upsertProvider, type Database } from '@gateway/db';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { startFakeAnthropic, startFakeGemini, startFakeOpenAi, type FakeAnthropic, type FakeGemini, type FakeOpenAi } from '@gateway/testkit';
import { buildApi, type Api } from '../src/index.ts';

/** A provider's own upstream as the pass-through sees it: every request it gets, raw. */
interface RecordedRaw {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const openAiKey = 'sk-openai-provider-key-0123456789';
const anthropicKey = 'sk-ant-provider-key-0123456789';
const echoKey = 'echo-provider-key-0123456789';
const geminiKey = 'gemini-provider-key-0123456789';
const masterKey = 'master-key-for-passthrough-tests';

let directory: string;
let database: Database;
let bus: Bus;
let api: Api;
let fakeOpenAi: FakeOpenAi;
let fakeAnthropic: FakeAnthropic;
let fakeGemini: FakeGemini;
/** An OpenAI-compatible upstream under `/base/v1` that records raw requests and answers scripted bodies. */
let echo: Server;
let echoOrigin: string;
const echoRequests: RecordedRaw[] = [];
/** Another origin nothing may ever reach. */
let evil: Server;
let evilOrigin: string;
const evilRequests: string[] = [];
/** Released by a test to let the echo server finish its slow SSE answer. */
let releaseStream: () => void = () => undefined;
/** Resolves when the connection of the last slow SSE answer closed. */
let streamClosed: Promise<void> = Promise.resolve();
let gatewayUrl: string;

function startServer(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'api-passthrough-'));
  database = await createDatabase({ dataDir: join(directory, 'pglite') });
  await migrateToLatest(database.db);
  bus = createMemoryBus();
  fakeOpenAi = await startFakeOpenAi({ apiKey: openAiKey });
  fakeAnthropic = await startFakeAnthropic({ apiKey: anthropicKey });
  fakeGemini = await startFakeGemini({ apiKey: geminiKey });
  ({ server: evil, origin: evilOrigin } = await startServer((request, response) => {
    evilRequests.push(request.url ?? '');
    response.end('evil');
  }));
  ({ server: echo, origin: echoOrigin } = await startServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      echoRequests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      if (request.url?.startsWith('/base/v1/slow-stream')) {
        streamClosed = new Promise((resolve) => response.once('close', () => resolve()));
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: {"type":"response.created"}\n\n');
        releaseStream = () => {
          response.write('data: {"type":"response.completed","response":{"usage":{"input_tokens":11,"output_tokens":7}}}\n\n');
          response.end('data: [DONE]\n\n');
        };
        return;
      }
      if (request.url?.startsWith('/base/v1/set-cookie')) {
        response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'session=upstream', 'x-request-id': 'upstream-id' });
        response.end('{}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ received: chunks.length, usage: { input_tokens: 5, output_tokens: 2 } }));
    });
  }));

  const secretBox = createSecretBox(Buffer.alloc(32, 7).toString('base64'));
  await upsertProvider(database.db, secretBox, { name: 'openai', type: 'openai', baseUrl: fakeOpenAi.url, apiKey: openAiKey });
  await upsertProvider(database.db, secretBox, { name: 'claude', type: 'anthropic', baseUrl: fakeAnthropic.url, apiKey: anthropicKey });
  await upsertProvider(database.db, secretBox, { name: 'google', type: 'gemini', baseUrl: fakeGemini.url, apiKey: geminiKey });
  await upsertProvider(database.db, secretBox, { name: 'echo', type: 'openai-compatible', baseUrl: `${echoOrigin}/base/v1`, apiKey: echoKey });
  await upsertProvider(database.db, secretBox, {
    name: 'aws',
    type: 'bedrock',
    region: 'us-east-1',
    aws: { accessKeyId: 'AKIAEXAMPLEEXAMPLE12', secretAccessKey: 'example-secret-access-key-example-secret' },
  });
  api = await buildApi({
    environment: parseEnvironment({ GATEWAY_BODY_LIMIT: String(64 * 1024) }),
    database,
    bus,
    secretBox,
    logger: createLogger({ service: 'api', level: 'silent' }),
    metrics: createMetrics({ service: 'api' }),
    masterKey,
    configSource: 'test',
    readinessChecks: { postgres: () => database.ping() },
  });
  gatewayUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await api?.close();
  await bus?.close();
  await database?.close();
  await fakeOpenAi?.close();
  await fakeAnthropic?.close();
  await fakeGemini?.close();
  await closeServer(echo);
  await closeServer(evil);
  await rm(directory, { recursive: true, force: true });
});

beforeEach(() => {
  fakeOpenAi.reset();
  fakeAnthropic.reset();
  fakeGemini.reset();
  echoRequests.length = 0;
  evilRequests.length = 0;
});

async function createKey(body: Record<string, unknown> = {}): Promise<string> {
  const created = await api.app.inject({
    method: 'POST',
    url: '/admin/v1/keys',
    headers: { authorization: `Bearer ${masterKey}` },
    payload: { name: 'passthrough', ...body },
  });
  expect(created.statusCode).toBe(201);
  return (created.json() as { key: string }).key;
}

/**
 * The usage record of a request, read back through the admin API. The in-process bus has no usage
 * stream, so the recorder writes records to the database itself.
 */
async function usageRecord(gatewayRequestId: string): Promise<Record<string, unknown>> {
  await api.flushUsage();
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const response = await api.app.inject({
      method: 'GET',
      url: `/admin/v1/usage?request_id=${gatewayRequestId}`,
      headers: { authorization: `Bearer ${masterKey}` },
    });
    const records = (response.json() as { data: Record<string, unknown>[] }).data;
    if (records.length > 0) {
      expect(records).toHaveLength(1);
      return records[0]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no usage record for ${gatewayRequestId}`);
}

/** A GET sent with its path exactly as written: clients and inject() would resolve dot segments first. */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const gateway = new URL(gatewayUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: gateway.hostname, port: gateway.port, path, method: 'GET', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('pass-through: credentials', () => {
  it('sends the provider key instead of the gateway key, and drops the client’s other credentials', async () => {
    const key = await createKey();
    const response = await api.app.inject({
      method: 'GET',
      url: '/passthrough/openai/models?key=client-secret&limit=2',
      headers: {
        authorization: `Bearer ${key}`,
        'x-api-key': 'client-x-api-key',
        'x-goog-api-key': 'client-goog-key',
        'api-key': 'client-azure-key',
        cookie: 'session=client',
        'x-gateway-strict': 'true',
        'x-forwarded-for': '203.0.113.7',
        forwarded: 'for=203.0.113.7',
        'x-real-ip': '203.0.113.7',
        'openai-organization': 'org-chosen-by-client',
        'x-custom': 'not on the allow-list',
        'openai-beta': 'assistants=v2',
        'user-agent': 'OpenAI/JS 5.0.0',
      },
    });
    expect(response.statusCode).toBe(200);
    expect((response.json() as { object: string }).object).toBe('list');
    const received = fakeOpenAi.requests.at(-1)!;
    expect(received.path).toBe('/v1/models');
    expect(received.query).toEqual({ limit: '2' });
    expect(received.headers.authorization).toBe(`Bearer ${openAiKey}`);
    expect(received.headers['openai-beta']).toBe('assistants=v2');
    expect(received.headers['user-agent']).toBe('OpenAI/JS 5.0.0');
    expect(received.headers['x-request-id']).toBe(response.headers['x-gateway-request-id']);
    for (const name of [
      'x-api-key',
      'x-goog-api-key',
      'api-key',
      'cookie',
      'x-gateway-strict',
      'x-forwarded-for',
      'forwarded',
      'x-real-ip',
      'openai-organization',
      'x-custom',
    ]) {
      expect(received.headers[name]).toBeUndefined();
    }
    expect(JSON.stringify(received.headers)).not.toContain(key);
  });

  it('accepts the gateway key in x-goog-api-key, as Google clients send it', async () => {
    const key = await createKey();
    const response = await api.app.inject({ method: 'GET', url: '/passthrough/openai/models', headers: { 'x-goog-api-key': key } });
    expect(response.statusCode).toBe(200);
    expect(fakeOpenAi.requests.at(-1)?.headers.authorization).toBe(`Bearer ${openAiKey}`);
  });

  it('takes x-goog-api-key as the gateway key on pass-through paths only', async () => {
    const key = await createKey();
    const refused = await api.app.inject({ method: 'GET', url: '/v1/models', headers: { 'x-goog-api-key': key } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'invalid_api_key', message: expect.stringContaining('Missing API key') } });
    const accepted = await api.app.inject({ method: 'GET', url: '/v1/models', headers: { 'x-api-key': key } });
    expect(accepted.statusCode).toBe(200);
  });

  it('answers 401 without a key, and never calls the provider', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/passthrough/openai/models' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect(fakeOpenAi.requests).toHaveLength(0);
  });

  it('answers an Anthropic provider’s refusals in Anthropic’s error shape', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/passthrough/claude/v1/messages/batches' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', code: 'invalid_api_key' } });
  });
});

describe('pass-through: which provider', () => {
  it('answers 404 for an unknown provider', async () => {
    const key = await createKey();
    const response = await api.app.inject({ method: 'GET', url: '/passthrough/nobody/v1/models', headers: { authorization: `Bearer ${key}` } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'not_found', type: 'not_found_error', param: 'provider' } });
  });

  it('refuses a provider that cannot be reached this way (bedrock)', async () => {
    const key = await createKey();
    const response = await api.app.inject({ method: 'GET', url: '/passthrough/aws/foundation-models', headers: { authorization: `Bearer ${key}` } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect((response.json() as { error: { message: string } }).error.message).toContain('cannot be reached through /passthrough');
  });

  it('lets a key with an allow-list through only to providers it lists as <provider>/*', async () => {
    const limited = await createKey({ models: ['fast', 'echo/*'] });
    const refused = await api.app.inject({ method: 'GET', url: '/passthrough/openai/models', headers: { authorization: `Bearer ${limited}` } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'model_not_allowed' } });
    expect(fakeOpenAi.requests).toHaveLength(0);
    const allowed = await api.app.inject({ method: 'GET', url: '/passthrough/echo/files', headers: { authorization: `Bearer ${limited}` } });
    expect(allowed.statusCode).toBe(200);
    expect(echoRequests.map((request) => request.url)).toEqual(['/base/v1/files']);
  });
});

describe('pass-through: the path stays under the base URL', () => {
  it.each([
    '/passthrough/echo/../../x',
    '/passthrough/echo/..%2f..%2fx',
    '/passthrough/echo/%2e%2e/%2e%2e/x',
    '/passthrough/echo/%252e%252e/x',
    '/passthrough/echo/files/..',
    '/passthrough/echo//evil.example/x',
    '/passthrough/echo/http://evil.example/x',
    '/passthrough/echo/..\\..\\x',
    '/passthrough/echo/%5c%5cevil.example/x',
  ])('refuses %s without calling anyone', async (path) => {
    const key = await createKey();
    const response = await rawGet(path, { authorization: `Bearer ${key}` });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'invalid_request', param: 'path' } });
    expect(echoRequests).toHaveLength(0);
    expect(evilRequests).toHaveLength(0);
  });

  it('never reaches another origin named in the path', async () => {
    const key = await createKey();
    const host = new URL(evilOrigin).host;
    for (const path of [`/passthrough/echo/${evilOrigin}/x`, `/passthrough/echo/@${host}/x`, `/passthrough/echo/%2f%2f${host}/x`]) {
      const response = await rawGet(path, { authorization: `Bearer ${key}` });
      expect([200, 400]).toContain(response.status);
    }
    expect(evilRequests).toHaveLength(0);
    for (const request of echoRequests) expect(request.url.startsWith('/base/v1/')).toBe(true);
  });
});

describe('pass-through: bodies and answers', () => {
  it('forwards a JSON body byte for byte and records the model and tokens of the answer', async () => {
    const key = await createKey();
    const payload = '{"model":"gpt-4o-mini",  "messages":[{"role":"user","content":"hello big world"}]}';
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/openai/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ object: 'chat.completion', usage: { prompt_tokens: 3, completion_tokens: 4 } });
    expect(fakeOpenAi.requests.at(-1)?.headers['content-length']).toBe(String(Buffer.byteLength(payload)));
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({
      endpoint: 'passthrough',
      provider: 'openai',
      model: 'gpt-4o-mini',
      provider_model: 'gpt-4o-mini',
      status: 200,
      input_tokens: 3,
      output_tokens: 4,
      stream: false,
      error_code: null,
    });
  });

  it('forwards a multipart upload as received', async () => {
    const key = await createKey();
    const boundary = 'gatewayboundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbatch\r\n`),
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`),
      Buffer.from([0, 1, 2, 255, 254, 13, 10]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/echo/files',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    const received = echoRequests.at(-1)!;
    expect(received.body.equals(body)).toBe(true);
    expect(received.headers['content-type']).toBe(`multipart/form-data; boundary=${boundary}`);
    expect(received.headers.authorization).toBe(`Bearer ${echoKey}`);
  });

  it('applies the API’s body limit to bodies it streams through', async () => {
    const key = await createKey();
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/echo/files',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(65 * 1024),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: { code: 'request_too_large' } });
    expect(echoRequests).toHaveLength(0);
  });

  it('stops a chunked body without a length once it passes the body limit', async () => {
    const key = await createKey();
    const chunk = Buffer.alloc(16 * 1024, 1);
    const response = await undiciRequest(`${gatewayUrl}/passthrough/echo/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
      body: Readable.from([chunk, chunk, chunk, chunk, chunk]),
    });
    expect(response.statusCode).toBe(413);
    expect(await response.body.json()).toMatchObject({ error: { code: 'request_too_large' } });
    expect(echoRequests.filter((request) => request.body.length > 64 * 1024)).toHaveLength(0);
  });

  it('keeps the operator’s organisation and the provider’s request ids from the client', async () => {
    const key = await createKey();
    const openAi = await api.app.inject({ method: 'GET', url: '/passthrough/openai/models', headers: { authorization: `Bearer ${key}` } });
    expect(openAi.statusCode).toBe(200);
    expect(openAi.headers['openai-organization']).toBeUndefined();
    expect(openAi.headers['x-ratelimit-remaining-requests']).toBeDefined();
    expect(openAi.headers['x-request-id']).toBe(openAi.headers['x-gateway-request-id']);
    const anthropic = await api.app.inject({ method: 'GET', url: '/passthrough/claude/v1/models', headers: { 'x-api-key': key } });
    expect(anthropic.statusCode).toBe(200);
    expect(anthropic.headers['anthropic-organization-id']).toBeUndefined();
    expect(anthropic.headers['request-id']).toBeUndefined();
    expect(anthropic.headers['anthropic-ratelimit-requests-remaining']).toBeDefined();
  });

  it('keeps the provider’s cookies and request id to itself', async () => {
    const key = await createKey();
    const response = await api.app.inject({ method: 'GET', url: '/passthrough/echo/set-cookie', headers: { authorization: `Bearer ${key}` } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['x-request-id']).not.toBe('upstream-id');
  });

  it('passes a provider’s error answer through and records its status', async () => {
    const key = await createKey();
    fakeAnthropic.script({ status: 429 });
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/claude/v1/messages/batches',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: { requests: [] },
    });
    expect(response.statusCode).toBe(429);
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'claude', status: 429, error_code: 'rate_limited' });
  });
});

describe('pass-through: provider errors', () => {
  it('answers a provider’s 401 with the gateway’s error, never the provider’s body (which echoes its key)', async () => {
    const key = await createKey();
    fakeOpenAi.script({
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${openAiKey.slice(0, 7)}*****${openAiKey.slice(-4)}. You can find your API key at your account page.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    });
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/openai/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(response.statusCode).toBe(502);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      error: {
        message: "provider openai rejected the gateway's credentials (401)",
        type: 'api_error',
        code: 'provider_error',
        param: null,
        request_id: response.headers['x-request-id'],
        source: 'provider:openai',
      },
    });
    expect(response.body).not.toContain('Incorrect API key');
    expect(response.body).not.toContain(openAiKey.slice(-4));
    expect(response.headers['openai-organization']).toBeUndefined();
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'openai', status: 502, error_code: 'provider_error' });
  });

  it('answers an Anthropic provider’s 5xx in Anthropic’s shape, with the provider’s Retry-After', async () => {
    const key = await createKey();
    fakeAnthropic.script({ status: 529, retryAfter: 3, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded on host db-7.internal:5432' } } });
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/claude/v1/messages',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      payload: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.json()).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', code: 'provider_unavailable', message: 'provider claude is unavailable (529)', source: 'provider:claude' },
      request_id: response.headers['x-request-id'],
    });
    expect(response.body).not.toContain('db-7.internal');
    expect(response.headers['anthropic-organization-id']).toBeUndefined();
    expect(response.headers['request-id']).toBeUndefined();
  });

  it.each([
    [500, 502, 'provider_error', 'provider google failed (500)'],
    [403, 502, 'provider_error', "provider google rejected the gateway's credentials (403)"],
    [504, 504, 'provider_timeout', 'provider google timed out (504)'],
  ])('replaces Gemini’s %i with the gateway’s %i %s', async (upstream, status, code, message) => {
    const key = await createKey();
    fakeGemini.script({ status: upstream });
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/google/v1beta/models/gemini-2.5-flash:generateContent',
      headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
      payload: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code, message, source: 'provider:google' } });
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'google', status, error_code: code });
  });

  it('passes a client-mistake answer through with its status and shape, scrubbed of key-shaped text', async () => {
    const key = await createKey();
    fakeOpenAi.script({
      status: 400,
      body: {
        error: {
          message: `Invalid 'input_file_id': file-AbCdEf1234567890abcdef. Organization org-AbCdEfGh12345678 has no access; sent with ${openAiKey}`,
          type: 'invalid_request_error',
          param: 'input_file_id',
          code: 'invalid_value',
        },
      },
    });
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/openai/chat/completions?ref=file-AbCdEf1234567890abcdef',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        message: "Invalid 'input_file_id': file-AbCdEf1234567890abcdef. Organization [redacted] has no access; sent with [redacted]",
        type: 'invalid_request_error',
        param: 'input_file_id',
        code: 'invalid_value',
      },
    });
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'openai', status: 400, error_code: 'invalid_request' });
  });
});

describe('pass-through: Anthropic', () => {
  it('creates a message batch with the provider key and Anthropic’s version header', async () => {
    const key = await createKey();
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/claude/v1/messages/batches',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      payload: {
        requests: [{ custom_id: 'one', params: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } }],
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ type: 'message_batch' });
    const received = fakeAnthropic.requests.at(-1)!;
    expect(received.path).toBe('/v1/messages/batches');
    expect(received.headers['x-api-key']).toBe(anthropicKey);
    expect(received.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('streams a message and records the tokens its events state', async () => {
    const key = await createKey();
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/claude/v1/messages',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hello big world' }] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.body).toContain('event: message_stop');
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'claude', model: 'claude-sonnet-4-5', stream: true, status: 200 });
    expect(record.input_tokens).toBeGreaterThan(0);
    expect(record.output_tokens).toBeGreaterThan(0);
  });
});

describe('pass-through: Gemini', () => {
  it('takes the gateway key in x-goog-api-key, sends the provider key, and records the model of the path', async () => {
    const key = await createKey();
    const response = await api.app.inject({
      method: 'POST',
      url: `/passthrough/google/v1beta/models/gemini-2.5-flash:generateContent?key=${key}`,
      headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
      payload: { contents: [{ role: 'user', parts: [{ text: 'hello big world' }] }] },
    });
    expect(response.statusCode).toBe(200);
    const received = fakeGemini.requests.at(-1)!;
    expect(received.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(received.headers['x-goog-api-key']).toBe(geminiKey);
    expect(received.query).toEqual({});
    const usage = (response.json() as { usageMetadata: { promptTokenCount: number; candidatesTokenCount: number } }).usageMetadata;
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'google', model: 'gemini-2.5-flash', input_tokens: usage.promptTokenCount, status: 200 });
    expect(record.output_tokens).toBeGreaterThanOrEqual(usage.candidatesTokenCount);
  });
});

describe('pass-through: streams', () => {
  it('streams an OpenAI chat completion through, with its usage on the record', async () => {
    const key = await createKey();
    const response = await api.app.inject({
      method: 'POST',
      url: '/passthrough/openai/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hello big world' }] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('data: [DONE]');
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', stream: true, input_tokens: 3, output_tokens: 4 });
  });

  it('hands each event to the client before the upstream has finished', async () => {
    const key = await createKey();
    const response = await undiciRequest(`${gatewayUrl}/passthrough/echo/slow-stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo-model', stream: true }),
    });
    expect(response.statusCode).toBe(200);
    const chunks = response.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    // The upstream is still holding its last event back: what arrived came through unbuffered.
    expect(Buffer.from(first.value as Buffer).toString()).toContain('response.created');
    releaseStream();
    let rest = '';
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) rest += Buffer.from(next.value as Buffer).toString();
    expect(rest).toContain('[DONE]');
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'echo', model: 'echo-model', stream: true, input_tokens: 11, output_tokens: 7, status: 200 });
  });

  it('aborts the upstream call when the client leaves, and records the request once as 499', async () => {
    const key = await createKey();
    const controller = new AbortController();
    const response = await undiciRequest(`${gatewayUrl}/passthrough/echo/slow-stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo-model', stream: true }),
      signal: controller.signal,
    });
    const chunks = response.body[Symbol.asyncIterator]();
    expect(Buffer.from((await chunks.next()).value as Buffer).toString()).toContain('response.created');
    controller.abort();
    await chunks.next().catch(() => undefined);
    await streamClosed;
    const record = await usageRecord(String(response.headers['x-gateway-request-id']));
    expect(record).toMatchObject({ provider: 'echo', status: 499, error_code: 'request_cancelled' });
  });
});
