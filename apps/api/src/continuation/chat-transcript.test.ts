import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionRequest } from '@gateway/contracts';
import type { StreamPart } from '@gateway/providers';
import { ChatTranscript } from './chat-transcript.ts';

const chunk = (delta: Record<string, unknown>, extra: Partial<ChatCompletionChunk> = {}, finish: string | null = null): StreamPart => ({
  type: 'chunk',
  chunk: { id: 'first', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }], ...extra },
});
const noUsage = () => ({ inputTokens: 0, outputTokens: 0 });

describe('ChatTranscript', () => {
  const request: ChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 };

  it('asks the follow-up with the text so far as assistant prefill, trailing whitespace cut, cap lowered', () => {
    const transcript = new ChatTranscript(request);
    for (const part of [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' }), chunk({ content: ' there ' })]) transcript.observe(part);
    expect(transcript.continuable()).toBe(true);
    const followUp = transcript.followUp();
    expect(followUp.messages).toEqual([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Hello there' }]);
    expect(followUp.max_tokens).toBe(10 - 3);
    // The follow-up's chunks keep the first id and created, drop the role chunk and the leading whitespace already sent.
    expect(transcript.adapt(chunk({ role: 'assistant', content: '' }, { id: 'second', created: 2 }) as never, noUsage)).toEqual([]);
    const [adapted] = transcript.adapt(chunk({ content: ' friend' }, { id: 'second', created: 2 }) as never, noUsage);
    expect(adapted).toMatchObject({ chunk: { id: 'first', created: 1, choices: [{ delta: { content: 'friend' } }] } });
    expect(transcript.adapt(chunk({ content: ' again' }, { id: 'second' }) as never, noUsage)[0]).toMatchObject({ chunk: { choices: [{ delta: { content: ' again' } }] } });
  });

  it("extends a client's own trailing assistant turn", () => {
    const transcript = new ChatTranscript({ model: 'm', messages: [{ role: 'user', content: 'count' }, { role: 'assistant', content: 'One,' }] });
    transcript.observe(chunk({ content: ' two,' }));
    expect(transcript.followUp().messages.at(-1)).toEqual({ role: 'assistant', content: 'One, two,' });
  });

  it('does not continue tool calls, several choices or a finished choice', () => {
    const tools = new ChatTranscript(request);
    tools.observe(chunk({ tool_calls: [{ index: 0, id: 'call', function: { name: 'f', arguments: '' } }] }));
    expect(tools.continuable()).toBe(false);
    const finished = new ChatTranscript(request);
    finished.observe(chunk({ content: 'done' }, {}, 'stop'));
    expect(finished.continuable()).toBe(false);
    expect(ChatTranscript.applies({ ...request, n: 2 })).toBe(false);
  });

  it("reports the whole answer's usage in the follow-up's usage chunk", () => {
    const transcript = new ChatTranscript(request);
    transcript.observe(chunk({ content: 'abc' }));
    transcript.followUp();
    const usageChunk: StreamPart = { ...chunk({}), usageOnly: true } as StreamPart;
    (usageChunk as { chunk: ChatCompletionChunk }).chunk.choices = [];
    (usageChunk as { chunk: ChatCompletionChunk }).chunk.usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    const [adapted] = transcript.adapt(usageChunk as never, (input) => ({ inputTokens: input - 1, outputTokens: 1 }));
    expect(adapted).toMatchObject({ usageOnly: true, chunk: { usage: { prompt_tokens: 19, completion_tokens: 6, total_tokens: 25 } } });
  });
});
