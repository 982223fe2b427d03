import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageReader } from './usage-reader.ts';
import { maxUsageScanBytes, usageTap } from './usage-tap.ts';

async function run(format: 'json' | 'sse', chunks: Buffer[], dialect: 'openai' | 'anthropic' = 'openai') {
  const reader = new UsageReader(dialect);
  let notified = 0;
  const tap = usageTap(format, reader, () => (notified += 1));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(tap)) out.push(chunk as Buffer);
  return { output: Buffer.concat(out), usage: reader.usage(), notified };
}

describe('usageTap', () => {
  it('forwards a JSON answer unchanged and reads its usage at the end', async () => {
    const body = Buffer.from(JSON.stringify({ object: 'chat.completion', usage: { prompt_tokens: 3, completion_tokens: 4 } }));
    const result = await run('json', [body.subarray(0, 10), body.subarray(10)]);
    expect(result.output.equals(body)).toBe(true);
    expect(result.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  it('leaves tokens unknown for a JSON answer over the scan limit, still forwarding all of it', async () => {
    const padding = 'x'.repeat(maxUsageScanBytes);
    const body = Buffer.from(JSON.stringify({ padding, usage: { prompt_tokens: 3, completion_tokens: 4 } }));
    const result = await run('json', [body]);
    expect(result.output.length).toBe(body.length);
    expect(result.usage).toBeUndefined();
  });

  it('reads SSE usage from events split across chunks, multi-byte characters included', async () => {
    const text =
      'event: message_start\r\ndata: {"type":"message_start","message":{"content":"héllo","usage":{"input_tokens":7,"output_tokens":1}}}\r\n\r\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"ünïcode"}}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":9}}\n\n';
    const bytes = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let start = 0; start < bytes.length; start += 7) chunks.push(bytes.subarray(start, start + 7));
    const result = await run('sse', chunks, 'anthropic');
    expect(result.output.equals(bytes)).toBe(true);
    expect(result.usage).toEqual({ inputTokens: 7, outputTokens: 9 });
    expect(result.notified).toBe(2);
  });

  it('reads a last SSE event that ends without a blank line', async () => {
    const result = await run('sse', [Buffer.from('data: {"usage":{"prompt_tokens":2,"completion_tokens":5}}')]);
    expect(result.usage).toEqual({ inputTokens: 2, outputTokens: 5 });
  });

  it('skips an over-long line without losing the events after it', async () => {
    const longStart = `data: {"usage":${'1'.repeat(maxUsageScanBytes + 10)}`;
    const result = await run('sse', [
      Buffer.from(longStart),
      Buffer.from('111 "usage" tail}\n\ndata: {"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\n'),
    ]);
    expect(result.usage).toEqual({ inputTokens: 1, outputTokens: 2 });
  });
});
