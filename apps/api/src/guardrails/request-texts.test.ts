import { describe, expect, it } from 'vitest';
import { chatRequestTexts, chatResponseTexts, messagesRequestTexts, messagesResponseTexts } from './request-texts.ts';

describe('request texts', () => {
  it('finds every text of an OpenAI request, string contents and text parts, and writes replacements back', () => {
    const body = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Mail a@b.co' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
        { role: 'assistant', content: null },
        { role: 'tool', content: 'result' },
      ],
    };
    const slots = chatRequestTexts(body);
    expect(slots.map((slot) => [slot.role, slot.text])).toEqual([
      ['system', 'Be brief.'],
      ['user', 'Mail a@b.co'],
      ['tool', 'result'],
    ]);
    slots[1]!.replace('Mail <EMAIL_ADDRESS_1>');
    expect(body.messages[1]!.content).toEqual([{ type: 'text', text: 'Mail <EMAIL_ADDRESS_1>' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }]);
  });

  it('finds the system prompt, messages and tool results of an Anthropic request', () => {
    const body = {
      system: [{ type: 'text', text: 'Sys' }],
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'out' }] }, { type: 'tool_result', tool_use_id: 'u', content: 'plain' }] },
      ],
    };
    const slots = messagesRequestTexts(body);
    expect(slots.map((slot) => [slot.role, slot.text])).toEqual([
      ['system', 'Sys'],
      ['user', 'Hi'],
      ['tool', 'out'],
      ['tool', 'plain'],
    ]);
    slots[3]!.replace('PLAIN');
    expect((body.messages[1]!.content as Array<{ content: unknown }>)[1]!.content).toBe('PLAIN');
  });

  it('finds the answer texts of both surfaces', () => {
    const completion = { choices: [{ message: { content: 'one' } }, { message: { content: null } }, { message: { content: 'two' } }] };
    const chat = chatResponseTexts(completion);
    expect(chat.map((slot) => slot.text)).toEqual(['one', 'two']);
    chat[1]!.replace('TWO');
    expect(completion.choices[2]!.message.content).toBe('TWO');
    const message = { content: [{ type: 'text', text: 'hello' }, { type: 'tool_use', id: 't', name: 'f', input: {} }] };
    expect(messagesResponseTexts(message).map((slot) => slot.text)).toEqual(['hello']);
  });
});
