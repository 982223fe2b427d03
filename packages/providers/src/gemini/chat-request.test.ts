import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@gateway/contracts';
import type { ImageFetcher } from '../types.ts';
import { generateContentRequest, type ChatRequestContext } from './chat-request.ts';

const noFetch: ImageFetcher = async () => {
  throw new Error('no image should be fetched');
};
const context: ChatRequestContext = { provider: 'gemini-main', model: 'gemini-2.5-flash', fetchImage: noFetch };

function request(fields: Partial<ChatCompletionRequest>): ChatCompletionRequest {
  return { model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...fields };
}

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};

describe('gemini request: messages', () => {
  it('sends system and developer messages as systemInstruction and maps roles', async () => {
    const { body, warnings } = await generateContentRequest(
      request({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello' },
          { role: 'assistant', content: 'Bonjour' },
          { role: 'user', content: 'How are you?' },
        ],
      }),
      context,
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hello' }] },
      { role: 'model', parts: [{ text: 'Bonjour' }] },
      { role: 'user', parts: [{ text: 'How are you?' }] },
    ]);
    expect(body).not.toHaveProperty('generationConfig');
    expect(warnings).toEqual([]);
  });

  it('merges consecutive turns of one side', async () => {
    const { body } = await generateContentRequest(
      request({ messages: [{ role: 'user', content: 'one' }, { role: 'user', content: [{ type: 'text', text: 'two' }] }] }),
      context,
    );
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'one' }, { text: 'two' }] }]);
  });

  it('turns tool calls into functionCall parts and tool results into one user turn of functionResponse parts', async () => {
    const { body } = await generateContentRequest(
      request({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
          { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
        ],
        tools: [weather],
      }),
      context,
    );
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temperature: 21 } } },
          { functionResponse: { name: 'get_weather', response: { content: 'sunny' } } },
        ],
      },
    ]);
  });

  it('sends a thought signature back with its call, and the skip sentinel to Gemini 3 when it is lost', async () => {
    const messages: ChatCompletionRequest['messages'] = [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{}' }, extra_content: { google: { thought_signature: 'c2ln' } } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'ok' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'b', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { role: 'tool', tool_call_id: 'b', content: 'ok' },
    ];
    const gemini3 = await generateContentRequest(request({ messages }), { ...context, model: 'gemini-3-pro-preview' });
    expect(gemini3.body.contents[1]?.parts[0]).toEqual({ functionCall: { name: 'get_weather', args: {} }, thoughtSignature: 'c2ln' });
    expect(gemini3.body.contents[3]?.parts[0]).toEqual({
      functionCall: { name: 'get_weather', args: {} },
      thoughtSignature: 'skip_thought_signature_validator',
    });
    const gemini25 = await generateContentRequest(request({ messages }), context);
    expect(gemini25.body.contents[3]?.parts[0]).toEqual({ functionCall: { name: 'get_weather', args: {} } });
  });

  it('refuses tool call arguments that are not JSON and tool results for unknown calls', async () => {
    await expect(
      generateContentRequest(
        request({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
          ],
        }),
        context,
      ),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'messages' });
    await expect(
      generateContentRequest(request({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }] }), context),
    ).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('nope') });
  });

  it('refuses a conversation with only system messages', async () => {
    await expect(generateContentRequest(request({ messages: [{ role: 'system', content: 'x' }] }), context)).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});

describe('gemini request: images', () => {
  it('sends a data URL inline', async () => {
    const { body } = await generateContentRequest(
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      }),
      context,
    );
    expect(body.contents[0]?.parts).toEqual([{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }]);
  });

  it('fetches an http(s) image through the injected fetcher, with the call signal', async () => {
    const fetched: Array<{ url: string; signal: AbortSignal | undefined }> = [];
    const fetchImage: ImageFetcher = async (url, signal) => {
      fetched.push({ url, signal });
      return { mediaType: 'image/jpeg', data: Buffer.from('jpeg-bytes') };
    };
    const signal = new AbortController().signal;
    const { body, warnings, loadImages } = await generateContentRequest(
      request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://images.example/cat.jpg', detail: 'high' } }] }] }),
      { ...context, fetchImage, signal },
    );
    // Nothing is fetched while the request is only built (strict mode may still refuse it).
    expect(fetched).toEqual([]);
    await loadImages();
    expect(fetched).toEqual([{ url: 'https://images.example/cat.jpg', signal }]);
    expect(body.contents[0]?.parts).toEqual([{ inlineData: { mimeType: 'image/jpeg', data: Buffer.from('jpeg-bytes').toString('base64') } }]);
    expect(warnings.map((warning) => warning.setting)).toEqual(['image_url.detail']);
  });

  it('sends Cloud Storage and Files API URIs by reference', async () => {
    const { body } = await generateContentRequest(
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'gs://bucket/photo.png' } },
              { type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
            ],
          },
        ],
      }),
      context,
    );
    expect(body.contents[0]?.parts).toEqual([
      { fileData: { fileUri: 'gs://bucket/photo.png', mimeType: 'image/png' } },
      { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } },
    ]);
  });
});

describe('gemini request: tools and generation settings', () => {
  it('declares tools with plain JSON Schema and maps tool_choice', async () => {
    const cases: Array<[unknown, unknown]> = [
      ['auto', { functionCallingConfig: { mode: 'AUTO' } }],
      ['none', { functionCallingConfig: { mode: 'NONE' } }],
      ['required', { functionCallingConfig: { mode: 'ANY' } }],
      [{ type: 'function', function: { name: 'get_weather' } }, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } }],
      [
        { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_weather' } }] } },
        { functionCallingConfig: { mode: 'VALIDATED', allowedFunctionNames: ['get_weather'] } },
      ],
    ];
    for (const [choice, config] of cases) {
      const { body } = await generateContentRequest(request({ tools: [weather], tool_choice: choice }), context);
      expect(body.tools).toEqual([
        { functionDeclarations: [{ name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: weather.function.parameters }] },
      ]);
      expect(body.toolConfig).toEqual(config);
    }
  });

  it('maps sampling, limits, stop, n, seed, penalties and JSON output', async () => {
    const { body, warnings } = await generateContentRequest(
      request({
        temperature: 0.3,
        top_p: 0.9,
        top_k: 40,
        max_tokens: 100,
        max_completion_tokens: 50,
        seed: 7,
        n: 2,
        presence_penalty: 0.5,
        frequency_penalty: 0.25,
        stop: 'END',
        response_format: { type: 'json_object' },
      }),
      context,
    );
    expect(body.generationConfig).toEqual({
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 50,
      seed: 7,
      candidateCount: 2,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      stopSequences: ['END'],
      responseMimeType: 'application/json',
    });
    expect(warnings).toEqual([]);
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const structured = await generateContentRequest(
      request({ max_tokens: 10, stop: ['a', 'b'], response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema } } }),
      context,
    );
    expect(structured.body.generationConfig).toEqual({
      maxOutputTokens: 10,
      stopSequences: ['a', 'b'],
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it('maps reasoning_effort to a thinking budget (Gemini 2.x) or a thinking level (Gemini 3)', async () => {
    const budget = await generateContentRequest(request({ reasoning_effort: 'low' }), context);
    expect(budget.body.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    const level = await generateContentRequest(request({ reasoning_effort: 'high' }), { ...context, model: 'gemini-3-pro-preview' });
    expect(level.body.generationConfig).toEqual({ thinkingConfig: { thinkingLevel: 'high', includeThoughts: true } });
    // Effort none turns Gemini 2.x thinking off: no thoughts to include.
    const off = await generateContentRequest(request({ reasoning_effort: 'none' }), context);
    expect(off.body.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    await expect(generateContentRequest(request({ reasoning_effort: 'extreme' }), context)).rejects.toMatchObject({ param: 'reasoning_effort' });
  });

  it('warns about what Gemini cannot do and does not send it', async () => {
    const { body, warnings } = await generateContentRequest(
      request({
        user: 'user-7',
        logprobs: true,
        top_logprobs: 2,
        logit_bias: { '50256': -100 },
        parallel_tool_calls: false,
        metadata: { team: 'search' },
        tools: [weather],
      }),
      context,
    );
    expect(warnings.map((warning) => warning.setting)).toEqual(['parallel_tool_calls', 'logprobs', 'top_logprobs', 'logit_bias', 'user', 'metadata']);
    expect(warnings.every((warning) => warning.type === 'unsupported-setting')).toBe(true);
    expect(body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      tools: [{ functionDeclarations: [expect.objectContaining({ name: 'get_weather' })] }],
    });
  });
});
