import { describe, expect, it } from 'vitest';
import { GatewayError, type AnthropicMessagesRequest } from '@gateway/contracts';
import { messagesToChatRequest } from './index.ts';

const provider = 'groq-main';

function translate(fields: Partial<AnthropicMessagesRequest> & Record<string, unknown>) {
  const request: AnthropicMessagesRequest = {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Hello' }],
    ...fields,
  };
  return messagesToChatRequest(request, { provider });
}

describe('messagesToChatRequest: top-level fields', () => {
  it('maps model, max_tokens, temperature, top_p, stop_sequences and metadata.user_id; never copies stream', () => {
    const { request, warnings } = translate({
      temperature: 0.3,
      top_p: 0.9,
      stop_sequences: ['\n\nHuman:'],
      metadata: { user_id: 'user-42' },
      stream: true,
    });
    expect(request).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['\n\nHuman:'],
      user: 'user-42',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(warnings).toEqual([]);
  });

  it('warns about top_k and unknown fields, and sends neither', () => {
    const { request, warnings } = translate({ top_k: 40, service_tier: 'auto', container: 'container_1' });
    expect(request).not.toHaveProperty('top_k');
    expect(request).not.toHaveProperty('service_tier');
    expect(request).not.toHaveProperty('container');
    expect(warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['unsupported-setting', 'top_k'],
      ['unsupported-setting', 'service_tier'],
      ['unsupported-setting', 'container'],
    ]);
    expect(warnings[0]?.message).toContain('provider groq-main');
  });

  it('turns a system string, or system text blocks joined with blank lines, into one leading system message', () => {
    expect(translate({ system: 'Be brief.' }).request.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    const { request, warnings } = translate({
      system: [
        { type: 'text', text: 'You are a pirate.' },
        { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'You are a pirate.\n\nAnswer in French.' },
      { role: 'user', content: 'Hello' },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'other', setting: 'cache_control' });
  });

  it('warns about cache_control once however many blocks carry it', () => {
    const ephemeral = { type: 'ephemeral' };
    const { warnings } = translate({
      system: [{ type: 'text', text: 'System', cache_control: ephemeral }],
      tools: [{ name: 'lookup', input_schema: { type: 'object' }, cache_control: ephemeral }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: ephemeral }] }],
    });
    expect(warnings.filter((warning) => warning.setting === 'cache_control')).toHaveLength(1);
  });

  it('refuses a system block that is not text', () => {
    expect(() => translate({ system: [{ type: 'image' }] })).toThrow(GatewayError);
  });
});

describe('messagesToChatRequest: tools', () => {
  const weather = {
    name: 'get_weather',
    description: 'Current weather of a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('turns client tools into functions and drops server tools with a warning', () => {
    const { request, warnings } = translate({
      tools: [weather, { type: 'custom', name: 'noop', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search', max_uses: 5 }],
    });
    expect(request.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Current weather of a city', parameters: weather.input_schema } },
      { type: 'function', function: { name: 'noop', parameters: { type: 'object' } } },
    ]);
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'server tool web_search_20250305' })]);
  });

  it.each([
    [{ type: 'auto' as const }, 'auto'],
    [{ type: 'any' as const }, 'required'],
    [{ type: 'none' as const }, 'none'],
    [{ type: 'tool' as const, name: 'get_weather' }, { type: 'function', function: { name: 'get_weather' } }],
  ])('maps tool_choice %j', (choice, expected) => {
    const { request } = translate({ tools: [weather], tool_choice: choice });
    expect(request.tool_choice).toEqual(expected);
    expect(request).not.toHaveProperty('parallel_tool_calls');
  });

  it('maps disable_parallel_tool_use to parallel_tool_calls: false', () => {
    const { request } = translate({ tools: [weather], tool_choice: { type: 'auto', disable_parallel_tool_use: true } });
    expect(request.parallel_tool_calls).toBe(false);
  });

  it('sends no tool_choice when no client tool is left, warning when one was required', () => {
    const { request, warnings } = translate({
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      tool_choice: { type: 'any' },
    });
    expect(request).not.toHaveProperty('tools');
    expect(request).not.toHaveProperty('tool_choice');
    expect(warnings.map((warning) => warning.setting)).toEqual(['server tool web_search_20250305', 'tool_choice']);
  });

  it('refuses tool_choice "tool" without a name', () => {
    expect(() => translate({ tools: [weather], tool_choice: { type: 'tool' } })).toThrow(/tool_choice.name/);
  });
});

describe('messagesToChatRequest: thinking', () => {
  it.each([
    [1024, 'low'],
    [4096, 'medium'],
    [16384, 'high'],
  ])('sends a budget of %i tokens as reasoning_effort %s, with a warning', (budget, effort) => {
    const { request, warnings } = translate({ thinking: { type: 'enabled', budget_tokens: budget } });
    expect(request.reasoning_effort).toBe(effort);
    expect(warnings).toEqual([expect.objectContaining({ type: 'other', setting: 'thinking' })]);
  });

  it('sends nothing for disabled thinking, and warns about thinking it cannot translate', () => {
    expect(translate({ thinking: { type: 'disabled' } }).warnings).toEqual([]);
    const { request, warnings } = translate({ thinking: { type: 'adaptive' } });
    expect(request).not.toHaveProperty('reasoning_effort');
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'thinking' })]);
  });
});

describe('messagesToChatRequest: conversation', () => {
  it('translates a multi-turn conversation with images, tool_use and tool_result (incl. is_error)', () => {
    const { request, warnings } = translate({
      system: 'You help with travel.',
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather where this photo was taken, and in Oslo?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/paris.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check both cities.' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A', content: '18°C, sunny' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_01B',
              is_error: true,
              content: [
                { type: 'text', text: 'weather service unavailable' },
                { type: 'text', text: 'retry later' },
              ],
            },
            { type: 'text', text: 'Thanks!' },
          ],
        },
        { role: 'assistant', content: 'Paris is sunny; Oslo could not be checked.' },
        { role: 'user', content: 'And tomorrow?' },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'You help with travel.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is the weather where this photo was taken, and in Oslo?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/paris.jpg' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Let me check both cities.',
        tool_calls: [
          { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_01B', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01A', content: '18°C, sunny' },
      { role: 'tool', tool_call_id: 'toolu_01B', content: 'Error: weather service unavailable\n\nretry later' },
      { role: 'user', content: 'Thanks!' },
      { role: 'assistant', content: 'Paris is sunny; Oslo could not be checked.' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('sends an assistant turn of tool calls only with content null, and a user turn of tool results only as tool messages', () => {
    const { request } = translate({
      messages: [
        { role: 'user', content: 'Time?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'clock', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true }] },
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'clock', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Error' },
    ]);
  });

  it('drops images inside tool results, document blocks and file images, with a warning each', () => {
    const { request, warnings } = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Report' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Annex' } },
            { type: 'image', source: { type: 'file', file_id: 'file_011' } },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [
                { type: 'text', text: 'chart attached' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
              ],
            },
            { type: 'text', text: 'Summarise.' },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: 'chart attached' },
      { role: 'user', content: 'Summarise.' },
    ]);
    expect(warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['unsupported-setting', 'document content blocks'],
      ['unsupported-setting', 'image file_id'],
      ['unsupported-setting', 'images in tool_result'],
    ]);
  });

  it('drops thinking blocks of earlier answers with a warning, keeping the rest of the turn', () => {
    const { request, warnings } = translate({
      messages: [
        { role: 'user', content: 'Think, then answer.' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me see…', signature: 'EqQBCgIYAhIM' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va' },
            { type: 'text', text: '42' },
          ],
        },
        { role: 'user', content: 'Why?' },
      ],
    });
    expect(request.messages[1]).toEqual({ role: 'assistant', content: '42' });
    expect(warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['other', 'messages'],
      ['other', 'messages'],
    ]);
    expect(warnings[0]?.message).toContain('thinking');
    expect(warnings[1]?.message).toContain('redacted_thinking');
  });

  it('keeps a final assistant turn (prefill) as the last message, with a warning', () => {
    const { request, warnings } = translate({
      messages: [
        { role: 'user', content: 'Give me JSON.' },
        { role: 'assistant', content: [{ type: 'text', text: '{"answer":' }] },
      ],
    });
    expect(request.messages.at(-1)).toEqual({ role: 'assistant', content: '{"answer":' });
    expect(warnings).toEqual([expect.objectContaining({ type: 'other', setting: 'messages' })]);
    expect(warnings[0]?.message).toContain('prefill');
  });

  it('refuses malformed blocks, naming where they are', () => {
    expect(() => translate({ messages: [{ role: 'user', content: [{ type: 'text' }] }] })).toThrow(/messages\.0\.content\.0/);
    expect(() =>
      translate({ messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'no id' }] }] }),
    ).toThrow(/tool_use_id/);
  });

  it('refuses a conversation with nothing left to send', () => {
    expect(() =>
      translate({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] }] }),
    ).toThrow(/nothing is left/);
  });
});
