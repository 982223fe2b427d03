import { Readable } from 'node:stream';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.ts';
import type { UpstreamClient, UpstreamResponse } from '../http.ts';
import type { StreamPart } from '../types.ts';
import { converseStreamParts } from './converse-stream.ts';

/** ConverseStream frames as Bedrock sends them (API reference, ConverseStream response events). */
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function event(type: string, body: Record<string, unknown>): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify({ ...body, p: 'abcdefghijk' })),
  });
}

function exception(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

const toolAnswer = [
  event('messageStart', { role: 'assistant' }),
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Think.' } } }),
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'c2lnbmF0dXJl' } } }),
  event('contentBlockStop', { contentBlockIndex: 0 }),
  event('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Let me ' } }),
  event('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'check — ünïcode.' } }),
  event('contentBlockStop', { contentBlockIndex: 1 }),
  event('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_a', name: 'weather' } } }),
  event('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"city":' } } }),
  event('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '"Paris"}' } } }),
  event('contentBlockStop', { contentBlockIndex: 2 }),
  event('contentBlockStart', { contentBlockIndex: 3, start: { toolUse: { toolUseId: 'tooluse_b', name: 'time' } } }),
  event('contentBlockDelta', { contentBlockIndex: 3, delta: { toolUse: { input: '{}' } } }),
  event('contentBlockStop', { contentBlockIndex: 3 }),
  event('messageStop', { stopReason: 'tool_use' }),
  event('metadata', { usage: { inputTokens: 20, outputTokens: 9, totalTokens: 33, cacheReadInputTokens: 4 }, metrics: { latencyMs: 120 } }),
];

const client: UpstreamClient = { provider: 'bedrock-main', dispatcher: undefined as never, secrets: [] };

/** A response whose body yields `bytes` in pieces of the given sizes (cycled). */
function responseOf(bytes: Uint8Array, sizes: number[]): UpstreamResponse {
  const pieces: Buffer[] = [];
  for (let at = 0, turn = 0; at < bytes.length; turn += 1) {
    const size = sizes[turn % sizes.length] as number;
    pieces.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  return { statusCode: 200, headers: {}, body: Readable.from(pieces) } as unknown as UpstreamResponse;
}

function concat(frames: Uint8Array[]): Uint8Array {
  return Buffer.concat(frames.map((frame) => Buffer.from(frame)));
}

async function collect(response: UpstreamResponse, structuredOutputTool?: string): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of converseStreamParts(client, response, undefined, { id: 'chatcmpl-1', model: 'm', structuredOutputTool })) {
    parts.push(part);
  }
  return parts;
}

function deltas(parts: StreamPart[]): Array<Record<string, unknown>> {
  return parts.flatMap((part) => (part.type === 'chunk' && part.chunk.choices[0] ? [part.chunk.choices[0].delta] : []));
}

describe('ConverseStream → OpenAI stream parts', () => {
  const expected = async (sizes: number[]) => {
    const parts = await collect(responseOf(concat(toolAnswer), sizes));
    expect(deltas(parts)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Think.' },
      { content: 'Let me ' },
      { content: 'check — ünïcode.' },
      { tool_calls: [{ index: 0, id: 'tooluse_a', type: 'function', function: { name: 'weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: 'tooluse_b', type: 'function', function: { name: 'time', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
    ]);
    const finishChunk = parts.at(-3);
    expect(finishChunk?.type === 'chunk' && finishChunk.chunk.choices[0]?.finish_reason).toBe('tool_calls');
    expect(parts.at(-2)).toMatchObject({
      type: 'chunk',
      usageOnly: true,
      chunk: { choices: [], usage: { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33, prompt_tokens_details: { cached_tokens: 4 } } },
    });
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'tool_calls', raw: 'tool_use' },
      usage: { inputTokens: 24, outputTokens: 9, cachedInputTokens: 4 },
    });
  };

  it('decodes a body that arrives in one piece', () => expected([1_000_000]));
  it('decodes a body split one byte at a time', () => expected([1]));
  it('decodes a body split at awkward boundaries (inside preludes, headers and CRCs)', () => expected([3, 7, 13, 2, 61, 5]));

  it('turns the structured-output tool back into content with finish stop', async () => {
    const frames = [
      event('messageStart', { role: 'assistant' }),
      event('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't', name: 'answer' } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"a":' } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '1}' } } }),
      event('contentBlockStop', { contentBlockIndex: 0 }),
      event('messageStop', { stopReason: 'tool_use' }),
      event('metadata', { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }),
    ];
    const parts = await collect(responseOf(concat(frames), [10]), 'answer');
    expect(deltas(parts).map((delta) => delta.content ?? '').join('')).toBe('{"a":1}');
    expect(deltas(parts).some((delta) => delta.tool_calls !== undefined)).toBe(false);
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'stop', raw: 'tool_use' } });
  });

  it.each([
    ['throttlingException', 'rate_limited', true],
    ['modelStreamErrorException', 'provider_error', true],
    ['validationException', 'invalid_request', false],
    ['serviceUnavailableException', 'provider_unavailable', true],
    ['internalServerException', 'provider_error', true],
  ])('maps a %s frame without showing its words', async (type, code, retryable) => {
    const frames = [toolAnswer[0] as Uint8Array, toolAnswer[4] as Uint8Array, exception(type, 'internal host db-7.internal failed')];
    const error = await collect(responseOf(concat(frames), [11])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code, retryable, upstreamMessage: 'internal host db-7.internal failed' });
    expect((error as Error).message).not.toContain('db-7');
  });

  it('throws when the body ends before messageStop and metadata, or inside a message', async () => {
    const noMetadata = concat(toolAnswer.slice(0, -1));
    await expect(collect(responseOf(noMetadata, [50]))).rejects.toMatchObject({ code: 'provider_error' });
    const whole = concat(toolAnswer);
    await expect(collect(responseOf(whole.subarray(0, whole.length - 5), [50]))).rejects.toMatchObject({ code: 'provider_error' });
  });

  it('refuses a frame whose checksum is wrong', async () => {
    const corrupted = Buffer.from(concat(toolAnswer));
    corrupted[20] = (corrupted[20] as number) ^ 0xff;
    await expect(collect(responseOf(corrupted, [64]))).rejects.toMatchObject({ code: 'provider_error', message: expect.stringContaining('malformed') });
  });
});
