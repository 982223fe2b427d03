import { describe, expect, it } from 'vitest';
import { chatPromptText, messagesPromptText } from './prompt-text.ts';

describe('chatPromptText', () => {
  it('writes each message under its role, tool calls and results included, naming what is not text', () => {
    const text = chatPromptText({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is here? <img src=x onerror=alert(1)>' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"at":"picture"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      ],
    });
    expect(text).toBe(
      'system:\nBe brief.\n\nuser:\nWhat is here? <img src=x onerror=alert(1)>\n[image]\n\nassistant:\ntool call look({"at":"picture"})\n\ntool (call_1):\na cat',
    );
    expect(text).not.toContain('base64');
  });
});

describe('messagesPromptText', () => {
  it('writes the system prompt first, then the messages with their blocks', () => {
    const text = messagesPromptText({
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'tool_use', id: 'tu_1', name: 'weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: [{ type: 'text', text: '21 °C' }] }, { type: 'document', source: {} }] },
      ],
    });
    expect(text).toBe(
      'system:\nYou are terse.\n\nuser:\nWeather in Paris?\n\nassistant:\n[thinking]\ntool call weather({"city":"Paris"})\n\nuser:\ntool result tu_1:\n21 °C\n[file]',
    );
  });

  it('has no system section without a system prompt', () => {
    expect(messagesPromptText({ messages: [{ role: 'user', content: 'hi' }] })).toBe('user:\nhi');
  });
});
