import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { GatewayError, type Plan } from '@gateway/contracts';
import { ProviderError, type Execution, type Usage } from '@gateway/providers';
import { ContinuedStream, type Transcript } from './continued-stream.ts';

type Part = { type: 'text'; text: string } | { type: 'finish'; usage: Usage | null };

/** A plain-text transcript: the follow-up request is the text so far. */
class TextTranscript implements Transcript<Part, string> {
  text = '';
  observe(part: Part): void {
    if (part.type === 'text') this.text += part.text;
  }
  continuable(): boolean {
    return true;
  }
  textLength(): number {
    return this.text.length;
  }
  followUp(): string {
    return this.text;
  }
  startContinuation(): void {}
  adapt(part: Exclude<Part, { type: 'finish' }>): Part[] {
    return [part];
  }
}

const broken = (provider: string) => new ProviderError('provider_unavailable', `the connection to provider ${provider} broke off`, { provider, retryable: true });

function execution(provider: string, parts: Part[], breakWith?: Error): Execution<{ parts: AsyncIterable<Part> }> {
  return {
    target: { provider, model: 'm' },
    attempts: [{ provider, model: 'm', status: 200, latencyMs: 1, startMs: 0 }],
    result: {
      parts: (async function* () {
        yield* parts;
        if (breakWith) throw breakWith;
      })(),
    },
  };
}

const plan: Plan = { model: 'fast', strategy: 'fallback', targets: ['a', 'b', 'c'].map((provider) => ({ provider, model: 'm' })) };
const log = { warn: () => undefined } as unknown as FastifyBaseLogger;
const every = () => true;

async function drain(stream: ContinuedStream<Part, string>): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of stream.parts()) parts.push(part);
  return parts;
}

describe('ContinuedStream', () => {
  it('continues a broken follow-up in turn on the remaining targets, and estimates what the broken ones used', async () => {
    const followUps: Array<{ targets: string[]; request: string }> = [];
    const streams = [execution('b', [{ type: 'text', text: 'efgh' }], broken('b')), execution('c', [{ type: 'text', text: 'ijkl' }, { type: 'finish', usage: { inputTokens: 12, outputTokens: 1 } }])];
    const stream = new ContinuedStream<Part, string>({
      first: execution('a', [{ type: 'text', text: 'abcd' }], broken('a')),
      plan,
      continues: every,
      transcript: new TextTranscript(),
      open: async (rest, request) => {
        followUps.push({ targets: rest.targets.map((target) => target.provider), request });
        return streams.shift()!;
      },
      enabled: true,
      signal: new AbortController().signal,
      log,
    });
    const parts = await drain(stream);
    expect(parts.filter((part) => part.type === 'text').map((part) => part.text).join('')).toBe('abcdefghijkl');
    expect(followUps).toEqual([
      { targets: ['b', 'c'], request: 'abcd' },
      { targets: ['c'], request: 'abcdefgh' },
    ]);
    expect(stream.continued).toBe(true);
    expect(stream.target.provider).toBe('c');
    expect(stream.attempts).toBe(3);
    expect(stream.attemptLog.map((attempt) => attempt.provider)).toEqual(['a', 'b', 'c']);
    // The last carried 8 characters (2 tokens) of prefill: a had none, b had 1 token of it.
    expect(stream.usages()).toEqual([
      { target: { provider: 'a', model: 'm' }, usage: { inputTokens: 10, outputTokens: 1 } },
      { target: { provider: 'b', model: 'm' }, usage: { inputTokens: 11, outputTokens: 1 } },
      { target: { provider: 'c', model: 'm' }, usage: { inputTokens: 12, outputTokens: 1 } },
    ]);
  });

  it('ends with the original error when no target is left, the follow-up cannot open, or it is off', async () => {
    const lastTarget = new ContinuedStream<Part, string>({
      first: { ...execution('c', [{ type: 'text', text: 'x' }], broken('c')) },
      plan,
      continues: every,
      transcript: new TextTranscript(),
      open: () => Promise.reject(new Error('not called')),
      enabled: true,
      signal: new AbortController().signal,
      log,
    });
    await expect(drain(lastTarget)).rejects.toThrow('provider c broke off');

    const failing = new ContinuedStream<Part, string>({
      first: execution('a', [{ type: 'text', text: 'x' }], broken('a')),
      plan,
      continues: every,
      transcript: new TextTranscript(),
      open: () => Promise.reject(Object.assign(new GatewayError('provider_unavailable', 'all down'), { attempts: [{ provider: 'b', status: 503 }, { provider: 'c', status: 503 }] })),
      enabled: true,
      signal: new AbortController().signal,
      log,
    });
    await expect(drain(failing)).rejects.toThrow('provider a broke off');
    expect(failing.attempts).toBe(3);
    expect(failing.attemptLog.map((attempt) => attempt.provider)).toEqual(['a', 'b', 'c']);

    const off = new ContinuedStream<Part, string>({
      first: execution('a', [{ type: 'text', text: 'x' }], broken('a')),
      plan,
      continues: every,
      transcript: new TextTranscript(),
      open: () => Promise.reject(new Error('not called')),
      enabled: false,
      signal: new AbortController().signal,
      log,
    });
    await expect(drain(off)).rejects.toThrow('provider a broke off');
  });

  it("does not continue the gateway's own failures or a client that left", async () => {
    const internal = new ContinuedStream<Part, string>({
      first: execution('a', [], new GatewayError('internal_error', 'bug')),
      plan,
      continues: every,
      transcript: new TextTranscript(),
      open: () => Promise.reject(new Error('not called')),
      enabled: true,
      signal: new AbortController().signal,
      log,
    });
    await expect(drain(internal)).rejects.toThrow('bug');
    const left = new AbortController();
    left.abort();
    const cancelled = new ContinuedStream<Part, string>({
      first: execution('a', [], broken('a')),
      plan,
      continues: every,
      transcript: new TextTranscript(),
      open: () => Promise.reject(new Error('not called')),
      enabled: true,
      signal: left.signal,
      log,
    });
    await expect(drain(cancelled)).rejects.toThrow('provider a broke off');
  });

  it('skips targets that do not continue a prefill, and ends with the error when none is left', async () => {
    const followUps: string[][] = [];
    const skipping = new ContinuedStream<Part, string>({
      first: execution('a', [{ type: 'text', text: 'abcd' }], broken('a')),
      plan,
      continues: (target) => target.provider !== 'b',
      transcript: new TextTranscript(),
      open: async (rest) => {
        followUps.push(rest.targets.map((target) => target.provider));
        return execution('c', [{ type: 'text', text: 'efgh' }, { type: 'finish', usage: { inputTokens: 3, outputTokens: 1 } }]);
      },
      enabled: true,
      signal: new AbortController().signal,
      log,
    });
    const parts = await drain(skipping);
    expect(parts.filter((part) => part.type === 'text').map((part) => part.text).join('')).toBe('abcdefgh');
    expect(followUps).toEqual([['c']]);

    let opened = 0;
    const none = new ContinuedStream<Part, string>({
      first: execution('a', [{ type: 'text', text: 'abcd' }], broken('a')),
      plan,
      continues: () => false,
      transcript: new TextTranscript(),
      open: () => {
        opened += 1;
        return Promise.reject(new Error('not called'));
      },
      enabled: true,
      signal: new AbortController().signal,
      log,
    });
    await expect(drain(none)).rejects.toThrow('provider a broke off');
    expect(opened).toBe(0);
    expect(none.continued).toBe(false);
  });
});
