import { describe, expect, it } from 'vitest';
import { GatewayError, type ChatCompletionRequest } from '@gateway/contracts';
import { chatRequestBody, defaultMaxTokens } from './chat-request.ts';

const provider = 'claude';

function map(request: Omit<ChatCompletionRequest, 'model'>, stream = false) {
  return chatRequestBody({ model: 'alias', ...request } as ChatCompletionRequest, 'claude-sonnet-4-5', { stream, provider });
}

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('anthropic request mapping: messages', () => {
  it('moves system and developer messages to system and sets the default max_tokens', () => {
    const { body, warnings } = map({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      max_tokens: defaultMaxTokens,
    });
    expect(warnings).toEqual([]);
    const several = map({
      messages: [
        { role: 'system', content: 'One.' },
        { role: 'developer', content: [{ type: 'text', text: 'Two.', cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(several.body.system).toEqual([
      { type: 'text', text: 'One.' },
      { type: 'text', text: 'Two.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('merges consecutive turns of one role and drops empty ones', () => {
    const { body } = map({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: [{ type: 'text', text: 'b' }] },
        { role: 'assistant', content: '' },
        { role: 'assistant', content: 'c' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      // The last assistant turn is a prefill, which Anthropic continues.
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ]);
  });

  it('maps tool calls to tool_use and tool messages to tool_result blocks of one user turn', () => {
    const { body } = map({
      messages: [
        { role: 'user', content: 'weather in Oslo and Rome' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: 'rain' }] },
        { role: 'user', content: 'thanks' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Oslo and Rome' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'rain' }] },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
  });

  it('refuses tool call arguments that are not JSON, naming messages', () => {
    const call = () =>
      map({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"city":' } }] },
        ],
      });
    expect(call).toThrow(GatewayError);
    expect(call).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'messages' }));
  });

  it('maps data URL images to base64 sources and http(s) URLs to url sources', () => {
    const { body, warnings } = map({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'auto' } },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'compare' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
    expect(warnings).toEqual([]);
    expect(() => map({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }] })).toThrow(
      /http\(s\) URL or a base64 data URL/,
    );
  });

  it('sends images of a tool result inside its tool_result block and warns about other parts', () => {
    const { body, warnings } = map({
      messages: [
        { role: 'user', content: 'draw' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'render', arguments: '{}' } }] },
        {
          role: 'tool',
          tool_call_id: 'toolu_1',
          content: [
            { type: 'text', text: 'rendered' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          ],
        } as never,
      ],
    });
    expect((body.messages as Array<{ content: unknown }>)[2]?.content).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        content: [
          { type: 'text', text: 'rendered' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
    ]);
    expect(warnings).toEqual([expect.objectContaining({ setting: 'messages', message: expect.stringContaining('input_audio') })]);
  });

  it('warns about content it cannot send', () => {
    const { body, warnings } = map({
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }, { type: 'text', text: 'hi' }] }],
    });
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    expect(warnings).toEqual([expect.objectContaining({ setting: 'messages', message: expect.stringContaining('input_audio') })]);
  });
});

describe('anthropic request mapping: settings', () => {
  const hi = [{ role: 'user' as const, content: 'hi' }];

  it('maps tools, tool_choice and parallel_tool_calls', () => {
    expect(map({ messages: hi, tools: [weather], tool_choice: 'auto' }).body).toMatchObject({
      tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: weather.function.parameters }],
      tool_choice: { type: 'auto' },
    });
    expect(map({ messages: hi, tools: [weather], tool_choice: 'none' }).body.tool_choice).toEqual({ type: 'none' });
    expect(map({ messages: hi, tools: [weather], tool_choice: 'required' }).body.tool_choice).toEqual({ type: 'any' });
    expect(
      map({ messages: hi, tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).body.tool_choice,
    ).toEqual({ type: 'tool', name: 'get_weather' });
    expect(map({ messages: hi, tools: [weather], parallel_tool_calls: false }).body.tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(map({ messages: hi, tools: [weather], tool_choice: 'required', parallel_tool_calls: false }).body.tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
  });

  it('sends tool_choice and parallel_tool_calls only with tools, which Anthropic requires', () => {
    for (const tool_choice of ['auto', 'required', 'none'] as const) {
      const { body } = map({ messages: hi, tool_choice, parallel_tool_calls: false });
      expect(body).not.toHaveProperty('tool_choice');
      expect(body).not.toHaveProperty('tools');
    }
  });

  it('maps limits, sampling, stop and user', () => {
    const { body, warnings } = map({
      messages: hi,
      max_tokens: 50,
      max_completion_tokens: 70,
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      stop: 'END',
      user: 'user-7',
    });
    expect(body).toMatchObject({
      max_tokens: 70,
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-7' },
    });
    expect(warnings).toEqual([]);
    expect(map({ messages: hi, max_tokens: 50, stop: ['a', 'b'] }).body).toMatchObject({ max_tokens: 50, stop_sequences: ['a', 'b'] });
  });

  it('clamps a temperature above 1 with a warning', () => {
    const { body, warnings } = map({ messages: hi, temperature: 1.6 });
    expect(body.temperature).toBe(1);
    expect(warnings).toEqual([expect.objectContaining({ setting: 'temperature', message: expect.stringContaining('1.6') })]);
  });

  it('warns about settings Anthropic has no equivalent for', () => {
    const { body, warnings } = map({
      messages: hi,
      seed: 1,
      n: 2,
      logprobs: true,
      top_logprobs: 2,
      frequency_penalty: 0.5,
      presence_penalty: 0.1,
      logit_bias: { '50256': -100 },
      store: false,
    });
    expect(warnings.map((warning) => warning.setting).sort()).toEqual(
      ['frequency_penalty', 'logit_bias', 'logprobs', 'n', 'presence_penalty', 'seed', 'top_logprobs'].sort(),
    );
    for (const field of ['seed', 'n', 'logprobs', 'top_logprobs', 'frequency_penalty', 'presence_penalty', 'logit_bias', 'store']) {
      expect(body).not.toHaveProperty(field);
    }
  });

  it('answers json_schema through a forced tool whose input schema is the schema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const { body, warnings, responseTool } = map({
      messages: hi,
      response_format: { type: 'json_schema', json_schema: { name: 'reply', schema } },
    });
    expect(responseTool).toBe('reply');
    expect(body.tools).toEqual([{ name: 'reply', description: 'Answer with JSON of this schema.', input_schema: schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'reply' });
    expect(warnings).toEqual([]);
  });

  it('names the tool_choice a json_schema answer tool replaces, and keeps disable_parallel_tool_use', () => {
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'reply', schema: { type: 'object' } } };
    const { body, warnings } = map({ messages: hi, tools: [weather], tool_choice: 'required', parallel_tool_calls: false, response_format });
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'reply', disable_parallel_tool_use: true });
    expect(warnings.map((warning) => warning.setting)).toEqual(['response_format', 'tool_choice']);
    expect(warnings[1]?.message).toContain('tool_choice any');
    const withoutChoice = map({ messages: hi, tools: [weather], response_format });
    expect(withoutChoice.warnings.map((warning) => warning.setting)).toEqual(['response_format']);
  });

  it('warns about json_object', () => {
    const { body, warnings } = map({ messages: hi, response_format: { type: 'json_object' } });
    expect(body).not.toHaveProperty('tools');
    expect(warnings).toEqual([expect.objectContaining({ setting: 'response_format' })]);
  });

  it('maps reasoning_effort to a thinking budget below max_tokens', () => {
    expect(map({ messages: hi, reasoning_effort: 'medium' }).body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 4096 },
      max_tokens: 4096 + defaultMaxTokens,
    });
    const cut = map({ messages: hi, reasoning_effort: 'high', max_tokens: 8000 });
    expect(cut.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 7999 }, max_tokens: 8000 });
    expect(cut.warnings).toEqual([
      expect.objectContaining({ setting: 'reasoning_effort', message: expect.stringContaining('(16384 tokens) was sent with a budget of 7999') }),
    ]);
    expect(map({ messages: hi, reasoning_effort: 'high', max_tokens: 20000 }).warnings).toEqual([]);
    const tooSmall = map({ messages: hi, reasoning_effort: 'low', max_tokens: 500 });
    expect(tooSmall.body).not.toHaveProperty('thinking');
    expect(tooSmall.warnings).toEqual([expect.objectContaining({ setting: 'reasoning_effort' })]);
    const withTemperature = map({ messages: hi, reasoning_effort: 'low', temperature: 0.2 });
    expect(withTemperature.body).not.toHaveProperty('temperature');
    expect(withTemperature.warnings).toEqual([expect.objectContaining({ setting: 'temperature' })]);
  });

  it('leaves thinking off while the last assistant turn called tools, which would need its signed thinking back', () => {
    const loop = [
      { role: 'user' as const, content: 'weather?' },
      { role: 'assistant' as const, content: null, tool_calls: [{ id: 'toolu_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool' as const, tool_call_id: 'toolu_1', content: 'sunny' },
    ];
    const inLoop = map({ messages: loop, tools: [weather], reasoning_effort: 'high' });
    expect(inLoop.body).not.toHaveProperty('thinking');
    expect(inLoop.body.max_tokens).toBe(defaultMaxTokens);
    expect(inLoop.warnings).toEqual([expect.objectContaining({ setting: 'reasoning_effort', message: expect.stringContaining('signed thinking') })]);
    // Once the loop is closed by an assistant answer, a new user turn may think again.
    const closed = map({
      messages: [...loop, { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'and tomorrow?' }],
      tools: [weather],
      reasoning_effort: 'high',
    });
    expect(closed.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 16384 } });
    expect(closed.warnings).toEqual([]);
  });

  it('sets stream only for streams', () => {
    expect(map({ messages: hi, stream: true }, true).body.stream).toBe(true);
    expect(map({ messages: hi, stream: true, stream_options: { include_usage: true } }).body).not.toHaveProperty('stream');
  });
});
