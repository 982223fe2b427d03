import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@gateway/contracts';
import type { ImageFetcher } from '../types.ts';
import { converseRequest } from './converse-request.ts';

const pngBytes = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const fetched: string[] = [];
const fetchImage: ImageFetcher = async (url) => {
  fetched.push(url);
  return { mediaType: 'image/jpeg', data: Buffer.from('jpeg-bytes') };
};
const claude = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

function map(request: Partial<ChatCompletionRequest>, model = claude) {
  return converseRequest({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...request } as ChatCompletionRequest, model, {
    provider: 'bedrock-main',
    fetchImage,
    signal: undefined,
  });
}

describe('OpenAI request → Converse request', () => {
  it('moves system and developer messages to system and merges consecutive turns of one role', async () => {
    const { body, warnings } = await map({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'one' },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'developer', content: [{ type: 'text', text: 'Be kind.' }] },
        { role: 'assistant', content: 'Sure' },
      ],
    });
    expect(body.system).toEqual([{ text: 'Be brief.' }, { text: 'Be kind.' }]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'one' }, { text: 'two' }] },
      // A last assistant message is kept: Converse continues it (prefill).
      { role: 'assistant', content: [{ text: 'Sure' }] },
    ]);
    expect(warnings).toEqual([]);
  });

  it('decodes data URL images and fetches http(s) ones through the image fetcher', async () => {
    fetched.length = 0;
    const { body, loadImages } = await map({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${pngBytes.toString('base64')}` } },
            { type: 'image_url', image_url: { url: 'https://images.example/cat.jpg' } },
          ],
        },
      ],
    });
    // Nothing is fetched while the request is only built (strict mode may still refuse it).
    expect(fetched).toEqual([]);
    await loadImages();
    expect(body.messages[0]?.content).toEqual([
      { text: 'What is this?' },
      { image: { format: 'png', source: { bytes: pngBytes.toString('base64') } } },
      { image: { format: 'jpeg', source: { bytes: Buffer.from('jpeg-bytes').toString('base64') } } },
    ]);
    expect(fetched).toEqual(['https://images.example/cat.jpg']);
  });

  it('refuses a fetched image of a format Converse cannot take when the images load', async () => {
    const tiff: ImageFetcher = async () => ({ mediaType: 'image/tiff', data: Buffer.from('tiff') });
    const mapped = await converseRequest(
      { model: 'alias', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://images.example/a.tiff' } }] }] },
      claude,
      { provider: 'bedrock-main', fetchImage: tiff, signal: undefined },
    );
    await expect(mapped.loadImages()).rejects.toMatchObject({ code: 'invalid_request', param: 'messages' });
  });

  it('refuses image formats Converse cannot take, and audio parts', async () => {
    await expect(
      map({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }] }),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'messages' });
    await expect(
      map({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('maps tool calls to toolUse and consecutive tool messages to toolResults in one user turn', async () => {
    const { body } = await map({
      messages: [
        { role: 'user', content: 'weather in Paris and Lyon?' },
        {
          role: 'assistant',
          content: 'Looking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":21}' },
        { role: 'tool', tool_call_id: 'call_2', content: 'unknown city' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'weather in Paris and Lyon?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Looking.' },
          { toolUse: { toolUseId: 'call_1', name: 'weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'call_2', name: 'weather', input: {} } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'call_1', content: [{ json: { celsius: 21 } }] } },
          { toolResult: { toolUseId: 'call_2', content: [{ text: 'unknown city' }] } },
        ],
      },
    ]);
  });

  it('refuses tool call arguments that are not JSON', async () => {
    await expect(
      map({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
        ],
      }),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'messages' });
  });

  it('maps sampling settings to inferenceConfig and user to requestMetadata', async () => {
    const { body, warnings } = await map({
      max_tokens: 50,
      max_completion_tokens: 40,
      temperature: 0.3,
      top_p: 0.9,
      stop: 'END',
      user: 'user-7',
    });
    expect(body.inferenceConfig).toEqual({ maxTokens: 40, temperature: 0.3, topP: 0.9, stopSequences: ['END'] });
    expect(body.requestMetadata).toEqual({ user: 'user-7' });
    expect(warnings).toEqual([]);
  });

  it('sends top_k for model families it knows, warns for others', async () => {
    expect((await map({ top_k: 5 })).body.additionalModelRequestFields).toEqual({ top_k: 5 });
    expect((await map({ top_k: 5 }, 'us.amazon.nova-pro-v1:0')).body.additionalModelRequestFields).toEqual({
      inferenceConfig: { topK: 5 },
    });
    const other = await map({ top_k: 5 }, 'meta.llama3-70b-instruct-v1:0');
    expect(other.body.additionalModelRequestFields).toBeUndefined();
    expect(other.warnings.map((warning) => warning.setting)).toEqual(['top_k']);
  });

  it('maps tools and every tool_choice', async () => {
    const tools = [
      { type: 'function', function: { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: {} } } },
    ];
    const spec = { toolSpec: { name: 'lookup', description: 'Look up', inputSchema: { json: { type: 'object', properties: {} } } } };
    expect((await map({ tools })).body.toolConfig).toEqual({ tools: [spec] });
    expect((await map({ tools, tool_choice: 'auto' })).body.toolConfig).toEqual({ tools: [spec], toolChoice: { auto: {} } });
    expect((await map({ tools, tool_choice: 'required' })).body.toolConfig).toEqual({ tools: [spec], toolChoice: { any: {} } });
    expect((await map({ tools, tool_choice: { type: 'function', function: { name: 'lookup' } } })).body.toolConfig).toEqual({
      tools: [spec],
      toolChoice: { tool: { name: 'lookup' } },
    });
    const none = await map({ tools, tool_choice: 'none' });
    expect(none.body.toolConfig).toBeUndefined();
    expect(none.warnings).toEqual([]);
  });

  it('keeps the tools with a warning for tool_choice none when the history holds tool calls', async () => {
    const { body, warnings } = await map({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c', content: 'done' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'none',
    });
    expect(body.toolConfig?.tools).toHaveLength(1);
    expect(body.toolConfig?.toolChoice).toBeUndefined();
    expect(warnings.map((warning) => warning.setting)).toEqual(['tool_choice']);
  });

  it('declares the called tools from the history, with a warning, when the request declares none', async () => {
    const messages: ChatCompletionRequest['messages'] = [
      { role: 'user', content: 'x' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } },
          { id: 'c3', type: 'function', function: { name: 'f', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'a' },
      { role: 'tool', tool_call_id: 'c2', content: 'b' },
      { role: 'tool', tool_call_id: 'c3', content: 'c' },
    ];
    const { body, warnings } = await map({ messages });
    const open = { json: { type: 'object', properties: {} } };
    expect(body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'f', inputSchema: open } }, { toolSpec: { name: 'g', inputSchema: open } }] });
    expect(warnings).toEqual([expect.objectContaining({ setting: 'tools', message: expect.stringContaining('f, g were declared from the history') })]);
    // Declared tools of the request are used as they are, without the warning.
    const declared = await map({ messages, tools: [{ type: 'function', function: { name: 'f' } }, { type: 'function', function: { name: 'g' } }] });
    expect(declared.warnings).toEqual([]);
  });

  it('turns response_format json_schema into a forced tool, and warns for json_object', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const structured = await map({ response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } });
    expect(structured.structuredOutputTool).toBe('answer');
    expect(structured.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'answer', description: expect.any(String), inputSchema: { json: schema } } }],
      toolChoice: { tool: { name: 'answer' } },
    });
    expect(structured.warnings).toEqual([]);
    const beside = await map({
      tools: [{ type: 'function', function: { name: 'lookup' } }],
      tool_choice: 'auto',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    });
    expect(beside.body.toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(beside.body.toolConfig?.tools.map((tool) => tool.toolSpec.name)).toEqual(['lookup', 'answer']);
    expect(beside.warnings).toEqual([expect.objectContaining({ setting: 'response_format', message: expect.stringContaining('cannot be forced') })]);
    const jsonObject = await map({ response_format: { type: 'json_object' } });
    expect(jsonObject.body.toolConfig).toBeUndefined();
    expect(jsonObject.warnings.map((warning) => warning.setting)).toEqual(['response_format']);
  });

  it('warns for what Converse has no place for, and for fields it does not know', async () => {
    const { body, warnings } = await map({
      n: 2,
      seed: 1,
      logprobs: true,
      top_logprobs: 2,
      presence_penalty: 0.5,
      frequency_penalty: 0,
      logit_bias: { '42': 1 },
      parallel_tool_calls: false,
      metadata: { team: 'search' },
    });
    expect(warnings.map((warning) => warning.setting)).toEqual([
      'n',
      'seed',
      'logprobs',
      'top_logprobs',
      'presence_penalty',
      'logit_bias',
      'parallel_tool_calls',
      'metadata',
    ]);
    expect(Object.keys(body)).toEqual(['messages']);
  });
});
