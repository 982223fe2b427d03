import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { Plan } from '@gateway/contracts';
import { anthropicProviderKey, startRoutedApi, type Mode, type RoutedApi } from './support/routed-api.ts';

const posts = <Recorded extends { method: string }>(requests: Recorded[]) => requests.filter((request) => request.method === 'POST');

describe.each<Mode>(['embedded', 'servers'])('continuation failover (%s)', (mode) => {
  let harness: RoutedApi;
  let key: string;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let sequence = 0;
  /** A request id of the test's own (sent as `x-request-id`): its usage record is found by it. */
  const requestId = () => `continuation-${mode}-${Date.now()}-${(sequence += 1)}`;

  beforeAll(async () => {
    harness = await startRoutedApi(mode);
    key = await harness.createKey();
    openai = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: key, baseURL: harness.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(() => {
    harness.fakeOpenAi.reset();
    harness.fakeAnthropic.reset();
  });

  const planOf = (...targets: Array<[provider: string, model: string]>) => (model: string): Plan => ({
    model,
    strategy: 'fallback',
    targets: targets.map(([provider, upstream]) => ({ provider, model: upstream })),
  });
  const openAi: [string, string] = ['openai', 'gpt-4o-mini'];
  const openAiBackup: [string, string] = ['openai-backup', 'gpt-4o-mini'];
  const claude: [string, string] = ['claude', 'claude-sonnet-4-5'];
  const claudeBackup: [string, string] = ['claude-backup', 'claude-sonnet-4-5'];

  /**
   * What the fake Anthropic answers to a follow-up request on its own (asked directly, not streamed):
   * the continuation the client must get, once, after the broken stream's text.
   */
  async function answerTo(followUp: unknown): Promise<{ text: string; outputTokens: number }> {
    const response = await fetch(`${harness.fakeAnthropic.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': anthropicProviderKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...(followUp as object), stream: false }),
    });
    expect(response.status).toBe(200);
    const message = (await response.json()) as { content: Array<{ type: string; text?: string }>; usage: { output_tokens: number } };
    return { text: message.content.map((block) => block.text ?? '').join(''), outputTokens: message.usage.output_tokens };
  }

  it('OpenAI surface: a stream cut mid-answer is finished by the next Anthropic target in the same client stream', async () => {
    harness.planFor = planOf(openAi, claude);
    // Role chunk, "Echo:", " one": then the connection dies.
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 3 });
    const id = requestId();
    const stream = openai.chat.completions.stream(
      { model: 'fast', messages: [{ role: 'user', content: 'one two three four' }], stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-request-id': id } },
    );
    const ids = new Set<string>();
    stream.on('chunk', (chunk) => ids.add(`${chunk.id}@${chunk.created}`));
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(ids.size).toBe(1);

    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
    const followUps = posts(harness.fakeAnthropic.requests);
    expect(followUps).toHaveLength(1);
    const followUp = followUps[0]!.body as { messages: Array<{ role: string; content: unknown }> };
    expect(followUp.messages[0]).toMatchObject({ role: 'user' });
    expect(followUp.messages.at(-1)).toMatchObject({ role: 'assistant' });
    expect(JSON.stringify(followUp.messages.at(-1)!.content)).toContain('Echo: one');
    // What the client reads is the broken stream's text, then the follow-up's answer, each exactly once.
    const continuation = await answerTo(followUp);
    expect(completion.choices[0]?.message.content).toBe(`Echo: one${continuation.text}`);

    const [record, ...more] = await harness.recordsFor([id]);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ status: 200, provider: 'claude', attempts: 2, flags: ['continued'] });
    // The client's usage chunk and the record agree: the follow-up's usage plus the broken part's estimate.
    expect(completion.usage).toMatchObject({ prompt_tokens: record!.inputTokens, completion_tokens: record!.outputTokens });
    // "Echo: one" is 9 characters: 3 estimated output tokens on top of the follow-up's.
    expect(record!.outputTokens).toBe(3 + continuation.outputTokens);
    expect(record!.costUsd).toBeGreaterThan(0);
  });

  it('Anthropic surface: the follow-up continues the same message and content block', async () => {
    harness.planFor = planOf(claude, claudeBackup);
    // message_start, content_block_start, ping, "Echo:", " one": then the connection dies.
    harness.fakeAnthropic.script({ cutStreamAfterChunks: 5 });
    const id = requestId();
    const stream = anthropic.messages.stream(
      { model: 'fast', max_tokens: 100, messages: [{ role: 'user', content: 'one two three four' }] },
      { headers: { 'x-request-id': id } },
    );
    const starts: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start' || event.type === 'content_block_start') starts.push(event.type);
    });
    const message = await stream.finalMessage();
    expect(starts).toEqual(['message_start', 'content_block_start']);
    expect(message.stop_reason).toBe('end_turn');

    const upstream = posts(harness.fakeAnthropic.requests);
    expect(upstream).toHaveLength(2);
    const followUp = upstream[1]!.body as { messages: unknown[]; max_tokens: number };
    expect(followUp.messages.at(-1)).toEqual({ role: 'assistant', content: 'Echo: one' });
    expect(followUp.max_tokens).toBe(100 - 3);
    const continuation = await answerTo(followUp);
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: 'text', text: `Echo: one${continuation.text}` });

    const [record, ...more] = await harness.recordsFor([id]);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ status: 200, endpoint: 'messages', provider: 'claude-backup', attempts: 2, flags: ['continued'] });
    expect(message.usage.output_tokens).toBe(record!.outputTokens);
  });

  it('OpenAI surface: an OpenAI-protocol next target is not used; the stream ends with the error event', async () => {
    harness.planFor = planOf(openAi, openAiBackup);
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 3 });
    const id = requestId();
    const stream = openai.chat.completions.stream(
      { model: 'fast', messages: [{ role: 'user', content: 'one two three four' }], stream: true },
      { headers: { 'x-request-id': id } },
    );
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    // Both OpenAI providers point at the same fake: one call means openai-backup was never asked.
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
    const [record] = await harness.recordsFor([id]);
    expect(record).toMatchObject({ status: 503, errorCode: 'provider_unavailable', provider: 'openai' });
    expect(record!.flags ?? []).toEqual([]);
  });

  it('Anthropic surface: an OpenAI-protocol next target is not used; the stream ends with the error event', async () => {
    harness.planFor = planOf(claude, openAi);
    harness.fakeAnthropic.script({ cutStreamAfterChunks: 5 });
    const id = requestId();
    const stream = anthropic.messages.stream(
      { model: 'fast', max_tokens: 100, messages: [{ role: 'user', content: 'one two three four' }] },
      { headers: { 'x-request-id': id } },
    );
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(posts(harness.fakeAnthropic.requests)).toHaveLength(1);
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(0);
    const [record] = await harness.recordsFor([id]);
    expect(record).toMatchObject({ status: 503, errorCode: 'provider_unavailable', provider: 'claude' });
    expect(record!.flags ?? []).toEqual([]);
  });

  it('without another target the stream ends with the error event, as before', async () => {
    harness.planFor = planOf(openAi);
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 3 });
    const id = requestId();
    const stream = openai.chat.completions.stream(
      { model: 'fast', messages: [{ role: 'user', content: 'one two three four' }], stream: true },
      { headers: { 'x-request-id': id } },
    );
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
    const [record] = await harness.recordsFor([id]);
    expect(record).toMatchObject({ status: 503, errorCode: 'provider_unavailable' });
    expect(record!.flags ?? []).toEqual([]);
  });

  it('x-gateway-continuation: off keeps the error even with an Anthropic target next', async () => {
    harness.planFor = planOf(openAi, claude);
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 3 });
    const stream = openai.chat.completions.stream(
      { model: 'fast', messages: [{ role: 'user', content: 'one two three four' }], stream: true },
      { headers: { 'x-gateway-continuation': 'off' } },
    );
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
    expect(posts(harness.fakeAnthropic.requests)).toHaveLength(0);
  });

  it('a tool call in progress is not continued', async () => {
    harness.planFor = planOf(openAi, claude);
    // The role chunk with the tool call's name, then a piece of its arguments.
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 2 });
    const stream = openai.chat.completions.stream({
      model: 'fast',
      messages: [{ role: 'user', content: 'weather in Paris' }],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      stream: true,
    });
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
    expect(posts(harness.fakeAnthropic.requests)).toHaveLength(0);
  });
});
