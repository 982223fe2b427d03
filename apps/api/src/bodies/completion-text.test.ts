import { describe, expect, it } from 'vitest';
import { CompletionText } from './completion-text.ts';

describe('CompletionText', () => {
  it('takes an OpenAI completion: text, refusal and tool calls, per choice when there are several', () => {
    const one = new CompletionText('openai', 1000);
    one.addAnswer({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', tool_calls: [{ type: 'function', function: { name: 'look', arguments: '{"a":1}' } }] } }] });
    expect(one.text()).toBe('Hi\ntool call look({"a":1})');
    const two = new CompletionText('openai', 1000);
    two.addAnswer({ choices: [{ index: 0, message: { content: 'A' } }, { index: 1, message: { content: null, refusal: 'No.' } }] });
    expect(two.text()).toBe('choice 0:\nA\n\nchoice 1:\nNo.');
  });

  it('assembles an OpenAI stream: text deltas and tool-call deltas by index', () => {
    const completion = new CompletionText('openai', 1000);
    for (const chunk of [
      { choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
      { choices: [{ index: 0, delta: { content: 'Let me ' } }] },
      { choices: [{ index: 0, delta: { content: 'look.' } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'look', arguments: '' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"at":' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ]) {
      completion.addStreamed(chunk);
    }
    completion.addStreamed('[DONE]');
    expect(completion.text()).toBe('Let me look.\ntool call look({"at":"x"})');
  });

  it('takes an Anthropic message and assembles its stream, from objects or the JSON a cache replays', () => {
    const whole = new CompletionText('anthropic', 1000);
    whole.addAnswer({ content: [{ type: 'thinking', thinking: 'secret thoughts' }, { type: 'text', text: 'Sunny.' }, { type: 'tool_use', name: 'weather', input: { city: 'Paris' } }] });
    expect(whole.text()).toBe('Sunny.\ntool call weather({"city":"Paris"})');

    const streamed = new CompletionText('anthropic', 1000);
    const events = [
      { type: 'message_start', message: { content: [] } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Sun' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ny.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'weather', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'message_stop' },
    ];
    for (const event of events) streamed.addStreamed(JSON.stringify(event));
    expect(streamed.text()).toBe('Sunny.\ntool call weather({"city":"Paris"})');
  });

  it('is empty until something of an answer arrives, and ignores errors', () => {
    const completion = new CompletionText('openai', 1000);
    completion.addStreamed({ error: { message: 'upstream failed' } });
    completion.addStreamed('not json');
    expect(completion.empty).toBe(true);
    expect(completion.text()).toBe('');
  });

  it('stops growing at its limit and says text was left out', () => {
    const completion = new CompletionText('openai', 10);
    for (let index = 0; index < 5; index += 1) completion.addStreamed({ choices: [{ index: 0, delta: { content: 'abcdef' } }] });
    expect(completion.text()).toBe('abcdefabcdef');
    expect(completion.overflowed).toBe(true);
  });
});
