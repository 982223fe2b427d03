import { describe, expect, it } from 'vitest';
import { toChatResult } from './chat-response.ts';
import { generateContentResponseSchema } from './wire.ts';

/** Bodies in the shape the Gemini API answers `generateContent` with. */
function parse(body: unknown) {
  return generateContentResponseSchema.parse(body);
}

describe('gemini response → chat completion', () => {
  it('joins text parts, keeps thoughts apart and maps usage with cached and reasoning tokens', () => {
    const result = toChatResult(
      parse({
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ text: 'Weighing the options.', thought: true }, { text: 'Paris is ' }, { text: 'the capital.' }],
            },
            finishReason: 'STOP',
            index: 0,
            safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' }],
          },
        ],
        usageMetadata: {
          promptTokenCount: 120,
          candidatesTokenCount: 6,
          totalTokenCount: 156,
          cachedContentTokenCount: 100,
          thoughtsTokenCount: 30,
          promptTokensDetails: [{ modality: 'TEXT', tokenCount: 120 }],
        },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'abc123',
      }),
      'gemini-2.5-flash',
      'gemini-main',
    );
    expect(result.response).toMatchObject({
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris is the capital.', reasoning_content: 'Weighing the options.' },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 36,
        total_tokens: 156,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
    expect(result.usage).toEqual({ inputTokens: 120, outputTokens: 36, cachedInputTokens: 100, reasoningTokens: 30 });
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'STOP' });
    expect(result.warnings).toEqual([]);
  });

  it('turns parallel function calls into tool calls, keeping Gemini ids and thought signatures', () => {
    const result = toChatResult(
      parse({
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJl' },
                { functionCall: { id: 'fc-2', name: 'get_weather', args: { city: 'Rome' } } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 8, toolUsePromptTokenCount: 4, totalTokenCount: 22 },
      }),
      'gemini-3-pro-preview',
      'gemini-main',
    );
    const message = result.response.choices[0]?.message;
    expect(message?.content).toBeNull();
    expect(message?.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        extra_content: { google: { thought_signature: 'c2lnbmF0dXJl' } },
      },
      { id: 'fc-2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ]);
    expect(result.response.choices[0]?.finish_reason).toBe('tool_calls');
    expect(result.finishReason).toEqual({ unified: 'tool_calls', raw: 'STOP' });
    expect(result.usage).toEqual({ inputTokens: 14, outputTokens: 8 });
    expect(result.response.model).toBe('gemini-3-pro-preview');
  });

  it('answers a blocked prompt as an empty, content-filtered completion', () => {
    const result = toChatResult(
      parse({
        promptFeedback: { blockReason: 'PROHIBITED_CONTENT', safetyRatings: [] },
        usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
        modelVersion: 'gemini-2.5-flash',
      }),
      'gemini-2.5-flash',
      'gemini-main',
    );
    expect(result.response.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' }]);
    expect(result.finishReason).toEqual({ unified: 'content_filter', raw: 'PROHIBITED_CONTENT' });
    expect(result.usage).toEqual({ inputTokens: 9, outputTokens: 0 });
  });

  it('maps every finish reason and keeps the raw one, one choice per candidate', () => {
    const reasons: Array<[string, string, string]> = [
      ['STOP', 'stop', 'stop'],
      ['MAX_TOKENS', 'length', 'length'],
      ['SAFETY', 'content_filter', 'content_filter'],
      ['RECITATION', 'content_filter', 'content_filter'],
      ['BLOCKLIST', 'content_filter', 'content_filter'],
      ['PROHIBITED_CONTENT', 'content_filter', 'content_filter'],
      ['SPII', 'content_filter', 'content_filter'],
      ['IMAGE_SAFETY', 'content_filter', 'content_filter'],
      ['MALFORMED_FUNCTION_CALL', 'error', 'stop'],
      ['LANGUAGE', 'other', 'stop'],
    ];
    const result = toChatResult(
      parse({
        candidates: reasons.map(([raw], index) => ({ content: { role: 'model', parts: [{ text: raw }] }, finishReason: raw, index })),
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 10 },
      }),
      'gemini-2.5-flash',
      'gemini-main',
    );
    expect(result.response.choices.map((choice) => [choice.message.content, choice.finish_reason])).toEqual(
      reasons.map(([raw, , openAi]) => [raw, openAi]),
    );
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'STOP' });
    for (const [raw, unified] of reasons) {
      const single = toChatResult(parse({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: raw }] }), 'm', 'g');
      expect(single.finishReason).toEqual({ unified, raw });
    }
  });

  it('warns about parts the chat shape cannot hold and about missing usage', () => {
    const result = toChatResult(
      parse({
        candidates: [
          {
            content: { parts: [{ text: 'Here:' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] },
            finishReason: 'STOP',
          },
        ],
      }),
      'gemini-2.5-flash-image',
      'gemini-main',
    );
    expect(result.response.choices[0]?.message.content).toBe('Here:');
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      expect.stringContaining('(inlineData)'),
      'provider gemini-main reported no token usage',
    ]);
  });
});
