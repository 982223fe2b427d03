import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBedrock, type FakeBedrock } from './fake-bedrock.ts';

const credentials = { accessKeyId: 'AKIDFAKEBEDROCK', secretAccessKey: 'fakeSecretAccessKeyForTheFakeBedrock00001' };
const region = 'us-west-2';
const model = 'anthropic.claude-3-haiku-20240307-v1:0';
let fake: FakeBedrock;

beforeAll(async () => {
  fake = await startFakeBedrock({ credentials, region });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

/** A plain fetch signed with AWS's signer, as any Bedrock client would. */
async function signedFetch(operation: string, body: unknown, options: { secret?: string; tamper?: boolean } = {}): Promise<Response> {
  const url = new URL(`${fake.url}/model/${encodeURIComponent(model)}/${operation}`);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({
    service: 'bedrock',
    region,
    credentials: { ...credentials, secretAccessKey: options.secret ?? credentials.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body: text,
    }),
  );
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method: 'POST', headers, body: options.tamper ? text.replace('hello', 'HELLO') : text });
}

const hello = { messages: [{ role: 'user', content: [{ text: 'hello there' }] }] };

function decodeFrames(bytes: Uint8Array): Array<{ headers: Record<string, string>; body: Record<string, unknown> }> {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const frames = [];
  for (let at = 0; at < bytes.length; ) {
    const length = Buffer.from(bytes.subarray(at, at + 4)).readUInt32BE(0);
    const message = codec.decode(bytes.subarray(at, at + length));
    frames.push({
      headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, String(value.value)])),
      body: JSON.parse(toUtf8(message.body)) as Record<string, unknown>,
    });
    at += length;
  }
  return frames;
}

describe('fake Bedrock', () => {
  it('answers a signed Converse call in Bedrock shape', async () => {
    const response = await signedFetch('converse', { ...hello, system: [{ text: 'Be brief.' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({
      output: { message: { role: 'assistant', content: [{ text: 'Echo: hello there' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 4, outputTokens: 3, totalTokens: 7 },
      metrics: { latencyMs: expect.any(Number) },
    });
    expect(fake.requests[0]?.path).toBe('/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
  });

  it('refuses a wrong secret, a changed body and a missing signature with 403 and x-amzn-errortype', async () => {
    const wrong = await signedFetch('converse', hello, { secret: 'anotherSecretAccessKeyForTheFakeBedrock01' });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('x-amzn-errortype')).toMatch(/^InvalidSignatureException:/);
    expect(((await wrong.json()) as { message: string }).message).toMatch(/^The request signature we calculated does not match/);
    const tampered = await signedFetch('converse', hello, { tamper: true });
    expect(tampered.status).toBe(403);
    const unsigned = await fetch(`${fake.url}/model/m/converse`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException:/);
  });

  it('streams event-stream frames with Bedrock headers, ending with messageStop and metadata', async () => {
    const response = await signedFetch('converse-stream', hello);
    expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const frames = decodeFrames(new Uint8Array(await response.arrayBuffer()));
    expect(frames.every((frame) => frame.headers[':message-type'] === 'event' && frame.headers[':content-type'] === 'application/json')).toBe(true);
    expect(frames.map((frame) => frame.headers[':event-type'])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    const text = frames.map((frame) => (frame.body.delta as { text?: string } | undefined)?.text ?? '').join('');
    expect(text).toBe('Echo: hello there');
    expect(frames.at(-1)?.body.usage).toEqual({ inputTokens: 2, outputTokens: 3, totalTokens: 5 });
  });

  it('sends an exception frame when scripted', async () => {
    fake.script({ streamException: { type: 'throttlingException', afterChunks: 1 } });
    const frames = decodeFrames(new Uint8Array(await (await signedFetch('converse-stream', hello)).arrayBuffer()));
    expect(frames).toHaveLength(2);
    expect(frames[1]?.headers).toMatchObject({ ':message-type': 'exception', ':exception-type': 'throttlingException' });
  });

  it('calls the required tool with an input that fills the schema', async () => {
    const response = await signedFetch('converse', {
      ...hello,
      toolConfig: {
        tools: [{ toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } } }],
        toolChoice: { any: {} },
      },
    });
    const body = (await response.json()) as { stopReason: string; output: { message: { content: Array<{ toolUse?: unknown }> } } };
    expect(body.stopReason).toBe('tool_use');
    expect(body.output.message.content[0]?.toolUse).toEqual({ toolUseId: expect.stringMatching(/^tooluse_/), name: 'lookup', input: { q: 'hello there' } });
  });

  it.each([
    [{ ...hello, unknownField: 1 }, 'extraneous key [unknownField]'],
    [{ messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] }, 'must start with a user message'],
    [{ messages: [hello.messages[0], hello.messages[0]] }, 'must alternate'],
    [
      {
        messages: [
          hello.messages[0],
          { role: 'assistant', content: [{ text: 'ok' }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'nope', content: [{ text: 'x' }] } }] },
        ],
        toolConfig: { tools: [{ toolSpec: { name: 'f', inputSchema: { json: {} } } }] },
      },
      'does not match any toolUse',
    ],
    [{ ...hello, inferenceConfig: { maxTokens: 5, topK: 3 } }, 'extraneous key [topK]'],
  ])('refuses an invalid request with a ValidationException (%#)', async (body, message) => {
    const response = await signedFetch('converse', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
    expect(((await response.json()) as { message: string }).message).toContain(message);
  });

  it('answers scripted status faults in Bedrock error shape', async () => {
    fake.script({ status: 429, retryAfter: 2, errorType: 'ModelNotReadyException' });
    const response = await signedFetch('converse', hello);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^ModelNotReadyException:/);
    expect(await response.json()).toEqual({ message: expect.any(String) });
  });
});

describe('fake Bedrock with an API key', () => {
  it('accepts the bearer key and refuses another', async () => {
    const keyed = await startFakeBedrock({ apiKey: 'bedrock-key-000001' });
    try {
      const call = (key: string) =>
        fetch(`${keyed.url}/model/m/converse`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(hello),
        });
      expect((await call('bedrock-key-000001')).status).toBe(200);
      expect((await call('bedrock-key-000002')).status).toBe(403);
    } finally {
      await keyed.close();
    }
  });
});
