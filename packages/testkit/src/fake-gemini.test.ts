import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddingVector } from './fake-openai-content.ts';
import { startFakeGemini, type FakeGemini } from './fake-gemini.ts';

const apiKey = 'AIzaSyFakeGeminiTestKey000000000000';
let fake: FakeGemini;

beforeAll(async () => {
  fake = await startFakeGemini({ apiKey });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

async function call(path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': apiKey }) {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

const generate = '/v1beta/models/gemini-2.5-flash:generateContent';
const user = (text: string) => ({ role: 'user', parts: [{ text }] });

describe('fake Gemini: generateContent', () => {
  it('echoes the last user text with word-count usage', async () => {
    const answer = await call(generate, { contents: [user('hello there world')], systemInstruction: { parts: [{ text: 'Be brief.' }] } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Echo: hello there world' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 4, totalTokenCount: 9 },
      modelVersion: 'gemini-2.5-flash',
    });
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: generate });
  });

  it('honours candidateCount, maxOutputTokens, stopSequences and JSON output', async () => {
    const many = JSON.parse((await call(generate, { contents: [user('one two')], generationConfig: { candidateCount: 2 } })).text);
    expect(many.candidates.map((candidate: { content: { parts: Array<{ text: string }> } }) => candidate.content.parts[0]?.text)).toEqual([
      'Echo: one two',
      'Echo 1: one two',
    ]);
    const cut = JSON.parse((await call(generate, { contents: [user('one two three')], generationConfig: { maxOutputTokens: 2 } })).text);
    expect(cut.candidates[0]).toMatchObject({ content: { parts: [{ text: 'Echo: one' }] }, finishReason: 'MAX_TOKENS' });
    const stopped = JSON.parse((await call(generate, { contents: [user('one two three')], generationConfig: { stopSequences: [' three'] } })).text);
    expect(stopped.candidates[0].content.parts[0].text).toBe('Echo: one two');
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name', 'age'] };
    const json = JSON.parse(
      (await call(generate, { contents: [user('Ada')], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } })).text,
    );
    expect(JSON.parse(json.candidates[0].content.parts[0].text)).toEqual({ name: 'Ada', age: 'Ada' });
  });

  it('calls functions with mode ANY, and each mentioned function with AUTO', async () => {
    const tools = [
      {
        functionDeclarations: [
          { name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
          { name: 'get_time', parameters: { type: 'OBJECT', properties: { zone: { type: 'STRING' } }, required: ['zone'] } },
        ],
      },
    ];
    const any = JSON.parse((await call(generate, { contents: [user('Paris')], tools, toolConfig: { functionCallingConfig: { mode: 'ANY' } } })).text);
    expect(any.candidates[0].content.parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }]);
    const parallel = JSON.parse((await call(generate, { contents: [user('get_weather and get_time please')], tools })).text);
    expect(parallel.candidates[0].content.parts.map((part: { functionCall: { name: string } }) => part.functionCall.name)).toEqual([
      'get_weather',
      'get_time',
    ]);
    const none = JSON.parse((await call(generate, { contents: [user('get_weather')], tools, toolConfig: { functionCallingConfig: { mode: 'NONE' } } })).text);
    expect(none.candidates[0].content.parts[0].text).toBe('Echo: get_weather');
  });

  it('refuses a blocked prompt with promptFeedback and no candidates', async () => {
    const body = JSON.parse((await call(generate, { contents: [user('say [blocked] words')] })).text);
    expect(body.promptFeedback).toEqual({ blockReason: 'SAFETY' });
    expect(body).not.toHaveProperty('candidates');
  });

  it('rejects what the real API rejects', async () => {
    const cases: Array<[unknown, string]> = [
      [{ contents: [user('x')], model: 'gemini' }, 'Unknown name "model"'],
      [{ contents: [user('x')], generationConfig: { max_tokens: 5 } }, 'Unknown name "max_tokens"'],
      [{ contents: [] }, 'contents is not specified'],
      [{ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, 'valid role'],
      [{ contents: [{ role: 'user', parts: [] }] }, 'must not be empty'],
      [{ contents: [user('x'), { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, 'immediately after a function call turn'],
      [
        {
          contents: [
            user('x'),
            { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'f', args: {} } }] },
            { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
          ],
        },
        'number of function response parts',
      ],
      [{ contents: [user('x')], generationConfig: { responseJsonSchema: { type: 'object' } } }, 'responseMimeType'],
    ];
    for (const [body, message] of cases) {
      const answer = await call(generate, body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });
    }
    const unsigned = await call('/v1beta/models/gemini-3-pro-preview:generateContent', {
      contents: [user('x'), { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] }, { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }],
    });
    expect(JSON.parse(unsigned.text).error.message).toContain('thought_signature');
  });

  it('checks the API key in the header or the key query parameter, with Google error shapes', async () => {
    const missing = await call(generate, { contents: [user('x')] }, {});
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.text).error.status).toBe('PERMISSION_DENIED');
    const wrong = await call(generate, { contents: [user('x')] }, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text).error.details[0].reason).toBe('API_KEY_INVALID');
    const query = await call(`${generate}?key=${apiKey}`, { contents: [user('x')] }, {});
    expect(query.status).toBe(200);
  });
});

describe('fake Gemini: streams', () => {
  it('streams SSE events with alt=sse, the last one carrying finishReason and usage', async () => {
    const answer = await call('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: [user('hello world')] });
    expect(answer.contentType).toBe('text/event-stream');
    const events = answer.text
      .split('\r\n\r\n')
      .filter((event) => event.length > 0)
      .map((event) => JSON.parse(event.replace(/^data: /, '')));
    expect(events.map((event) => event.candidates[0].content.parts[0].text).join('')).toBe('Echo: hello world');
    expect(events.at(-1)).toMatchObject({ candidates: [{ finishReason: 'STOP' }], usageMetadata: { candidatesTokenCount: 3, totalTokenCount: 5 } });
    expect(events.slice(0, -1).every((event) => event.candidates[0].finishReason === undefined)).toBe(true);
  });

  it('answers one JSON array without alt=sse', async () => {
    const answer = await call('/v1beta/models/gemini-2.5-flash:streamGenerateContent', { contents: [user('hello world')] });
    expect(answer.contentType).toContain('application/json');
    const events = JSON.parse(answer.text) as Array<{ candidates: Array<{ finishReason?: string }> }>;
    expect(events).toHaveLength(3);
    expect(events.at(-1)?.candidates[0]?.finishReason).toBe('STOP');
  });

  it('cuts a stream after the scripted number of events', async () => {
    fake.script({ cutStreamAfterChunks: 1 });
    const response = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': apiKey },
      body: JSON.stringify({ contents: [user('hello world')] }),
    });
    await expect(response.text()).rejects.toThrow();
  });
});

describe('fake Gemini: other endpoints and faults', () => {
  it('embeds a batch, counts tokens and lists models', async () => {
    const embedded = await call('/v1beta/models/gemini-embedding-001:batchEmbedContents', {
      requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'hi' }] }, outputDimensionality: 3 }],
    });
    expect(JSON.parse(embedded.text)).toEqual({ embeddings: [{ values: embeddingVector('hi', 3) }] });
    const mismatched = await call('/v1beta/models/gemini-embedding-001:batchEmbedContents', {
      requests: [{ model: 'models/other', content: { parts: [{ text: 'hi' }] } }],
    });
    expect(mismatched.status).toBe(400);
    const counted = await call('/v1beta/models/gemini-2.5-flash:countTokens', { contents: [user('one two three')] });
    expect(JSON.parse(counted.text)).toMatchObject({ totalTokens: 3 });
    const listed = await fetch(`${fake.url}/v1beta/models`, { headers: { 'x-goog-api-key': apiKey } });
    expect(((await listed.json()) as { models: Array<{ name: string }> }).models.map((model) => model.name)).toContain('models/gemini-2.5-flash');
  });

  it('answers scripted faults in Google error shape with Retry-After, and overrides usage', async () => {
    fake.script([{ status: 429, retryAfter: 3 }, { usage: { prompt_tokens: 50, cachedContentTokenCount: 40 } }]);
    const limited = await fetch(`${fake.url}${generate}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': apiKey },
      body: JSON.stringify({ contents: [user('x')] }),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ error: { code: 429, message: expect.any(String), status: 'RESOURCE_EXHAUSTED' } });
    const overridden = JSON.parse((await call(generate, { contents: [user('x')] })).text);
    expect(overridden.usageMetadata).toMatchObject({ promptTokenCount: 50, cachedContentTokenCount: 40, totalTokenCount: 52 });
  });
});
