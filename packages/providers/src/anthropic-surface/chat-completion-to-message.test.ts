import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '@gateway/contracts';
import type { FinishReason, Usage } from '../types.ts';
import { chatCompletionToMessage, newMessageId } from './index.ts';

function completion(message: Record<string, unknown>, finishReason = 'stop'): ChatCompletion {
  return {
    id: 'chatcmpl-9x1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'llama-3.3-70b-versatile',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finishReason }],
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
  };
}

const usage: Usage = { inputTokens: 120, outputTokens: 30 };
const stop: FinishReason = { unified: 'stop', raw: 'stop' };

function translate(message: Record<string, unknown>, finishReason: FinishReason = stop, withUsage: Usage = usage) {
  return chatCompletionToMessage(completion(message, finishReason.raw ?? 'stop'), {
    model: 'claude-sonnet-4-5',
    usage: withUsage,
    finishReason,
  });
}

describe('chatCompletionToMessage', () => {
  it('answers text as an Anthropic message with the model the client asked for', () => {
    const message = translate({ content: 'Bonjour !' });
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_[A-Za-z0-9_-]{24}$/),
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Bonjour !' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  it('puts reasoning first, then text, then tool calls with parsed input', () => {
    const message = translate(
      {
        content: 'Checking.',
        reasoning_content: 'The user wants the weather.',
        tool_calls: [
          { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { unified: 'tool_calls', raw: 'tool_calls' },
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'The user wants the weather.', signature: '' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_time', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('reads reasoning from `reasoning` too, and ignores an empty one', () => {
    expect(translate({ content: 'x', reasoning: 'because' }).content[0]).toEqual({ type: 'thinking', thinking: 'because', signature: '' });
    expect(translate({ content: 'x', reasoning_content: '' }).content).toEqual([{ type: 'text', text: 'x' }]);
  });

  it('turns arguments that are not a JSON object into the input {}', () => {
    const message = translate({
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"city":' } },
        { id: 'call_2', type: 'function', function: { name: 'g', arguments: '[1,2]' } },
      ],
    });
    expect(message.content.map((block) => block.input)).toEqual([{}, {}]);
  });

  it('answers nothing with an empty content array, as Anthropic can', () => {
    expect(translate({ content: '' }).content).toEqual([]);
    expect(translate({ content: null }).content).toEqual([]);
  });

  it.each([
    [{ unified: 'stop', raw: 'stop' }, 'end_turn'],
    [{ unified: 'length', raw: 'length' }, 'max_tokens'],
    [{ unified: 'tool_calls', raw: 'tool_calls' }, 'tool_use'],
    [{ unified: 'content_filter', raw: 'content_filter' }, 'refusal'],
    [{ unified: 'error', raw: 'error' }, 'end_turn'],
    [{ unified: 'other', raw: null }, 'end_turn'],
  ] as Array<[FinishReason, string]>)('maps finish reason %j to stop_reason %s', (finishReason, stopReason) => {
    const message = translate({ content: 'x' }, finishReason);
    expect(message.stop_reason).toBe(stopReason);
    expect(message.stop_sequence).toBeNull();
  });

  it('says tool_use when tool calls came with finish reason "stop", as some servers send', () => {
    const message = translate({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, stop);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('says an OpenAI refusal as text with stop_reason refusal', () => {
    const message = translate({ content: null, refusal: 'I cannot help with that.' });
    expect(message.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }]);
    expect(message.stop_reason).toBe('refusal');
  });

  it('counts input tokens as Anthropic does: without cache reads and writes', () => {
    const message = translate({ content: 'x' }, stop, {
      inputTokens: 1000,
      outputTokens: 50,
      cachedInputTokens: 600,
      cacheWriteInputTokens: 100,
      reasoningTokens: 20,
    });
    expect(message.usage).toEqual({ input_tokens: 300, output_tokens: 50, cache_read_input_tokens: 600, cache_creation_input_tokens: 100 });
  });
});

describe('newMessageId', () => {
  it('gives distinct msg_ ids of 24 base64url characters', () => {
    const first = newMessageId();
    const second = newMessageId();
    expect(first).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(second).not.toBe(first);
  });
});
