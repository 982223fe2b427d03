import { afterEach, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import type { ChatCompletionRequest } from '@gateway/contracts';
import type { ProviderAdapter, StreamPart } from '../types.ts';
import { createGeminiAdapter } from './adapter.ts';

const hello: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'hello' }], stream: true };
let agent: MockAgent | undefined;

afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** An adapter whose upstream answers the stream call with these SSE events (CRLF-separated, as Google sends). */
function streamingAdapter(events: unknown[], raw = false): ProviderAdapter {
  agent = new MockAgent();
  agent.disableNetConnect();
  const body = raw ? (events as string[]).join('') : events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join('');
  agent
    .get('https://generativelanguage.googleapis.com')
    .intercept({ path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', method: 'POST' })
    .reply(200, body, { headers: { 'content-type': 'text/event-stream' } });
  return createGeminiAdapter({ name: 'gemini-main', type: 'gemini', apiKey: 'AIzaFakeKeyForTests0123456789' }, { dispatcher: agent });
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

function chunksOf(parts: StreamPart[]) {
  return parts.flatMap((part) => (part.type === 'chunk' ? [part] : []));
}

const usage = { promptTokenCount: 4, candidatesTokenCount: 5, totalTokenCount: 17, thoughtsTokenCount: 8 };

describe('gemini stream', () => {
  it('turns text events into role, content, finish and usage-only chunks, then a finish part', async () => {
    const adapter = streamingAdapter([
      { candidates: [{ content: { parts: [{ text: 'Considering.', thought: true }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 }, modelVersion: 'gemini-2.5-flash', responseId: 'r1' },
      { candidates: [{ content: { parts: [{ text: 'Hello' }], role: 'model' }, index: 0 }], modelVersion: 'gemini-2.5-flash', responseId: 'r1' },
      { candidates: [{ content: { parts: [{ text: ' there.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, modelVersion: 'gemini-2.5-flash', responseId: 'r1' },
    ]);
    const opened = await adapter.chatStream({ request: hello, model: 'gemini-2.5-flash', requestId: 'req-1' });
    const parts = await collect(opened.parts);
    const chunks = chunksOf(parts);
    expect(chunks.map((part) => part.chunk.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '', reasoning_content: 'Considering.' },
      { content: 'Hello' },
      { content: ' there.' },
      {},
      undefined,
    ]);
    expect(chunks.map((part) => part.chunk.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, 'stop', null]);
    expect(chunks.every((part) => part.chunk.id === 'chatcmpl-r1' && part.chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)).toMatchObject({
      usageOnly: true,
      chunk: { choices: [], usage: { prompt_tokens: 4, completion_tokens: 13, total_tokens: 17, completion_tokens_details: { reasoning_tokens: 8 } } },
    });
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'STOP' },
      usage: { inputTokens: 4, outputTokens: 13, reasoningTokens: 8 },
    });
  });

  it('streams each function call as a whole tool call delta, indexed per call', async () => {
    const adapter = streamingAdapter([
      {
        candidates: [
          {
            content: {
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
                { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
              ],
              role: 'model',
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 6, totalTokenCount: 16 },
      },
    ]);
    const opened = await adapter.chatStream({ request: hello, model: 'gemini-2.5-flash', requestId: 'req-2' });
    const parts = await collect(opened.parts);
    const first = chunksOf(parts)[0]?.chunk.choices[0];
    expect(first?.delta).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [
        {
          index: 0,
          id: expect.stringMatching(/^call_/),
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          extra_content: { google: { thought_signature: 'c2ln' } },
        },
        { index: 1, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    });
    expect(chunksOf(parts)[1]?.chunk.choices[0]?.finish_reason).toBe('tool_calls');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls', raw: 'STOP' } });
  });

  it('answers a blocked prompt with an empty, content-filtered choice', async () => {
    const adapter = streamingAdapter([{ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } }]);
    const opened = await adapter.chatStream({ request: hello, model: 'gemini-2.5-flash', requestId: 'req-3' });
    const parts = await collect(opened.parts);
    expect(chunksOf(parts).map((part) => part.chunk.choices[0]?.finish_reason ?? null)).toEqual([null, 'content_filter', null]);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'content_filter', raw: 'SAFETY' }, usage: { inputTokens: 3, outputTokens: 0 } });
  });

  it('fails when the body ends before any finish reason', async () => {
    const adapter = streamingAdapter([{ candidates: [{ content: { parts: [{ text: 'Hel' }], role: 'model' }, index: 0 }] }]);
    const opened = await adapter.chatStream({ request: hello, model: 'gemini-2.5-flash', requestId: 'req-4' });
    await expect(collect(opened.parts)).rejects.toMatchObject({
      code: 'provider_error',
      message: 'the stream from provider gemini-main ended before it finished',
    });
  });

  it("fails on an error object in the stream without the provider's words in the public message", async () => {
    const adapter = streamingAdapter(
      [
        'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}]}\r\n\r\n',
        'data: {"error":{"code":500,"message":"backend 10.2.3.4 failed, key=AIzaSyLeakedLeakedLeaked123","status":"INTERNAL"}}\r\n\r\n',
      ],
      true,
    );
    const opened = await adapter.chatStream({ request: hello, model: 'gemini-2.5-flash', requestId: 'req-5' });
    const error = await collect(opened.parts).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_error', message: 'provider gemini-main reported an error mid-stream' });
    expect((error as { upstreamMessage?: string }).upstreamMessage).toContain('backend 10.2.3.4 failed');
    expect((error as { upstreamMessage?: string }).upstreamMessage).not.toContain('AIzaSyLeaked');
  });
});
