import { describe, expect, it } from 'vitest';
import { providerErrorFromStatus, refusalKind } from './errors.ts';

const context = { provider: 'p', secrets: [] };
const json = (body: unknown) => JSON.stringify(body);

describe('refusal kinds of upstream 4xx answers', () => {
  it.each([
    [
      'OpenAI context_length_exceeded',
      400,
      json({
        error: {
          message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      }),
    ],
    ['Anthropic prompt is too long', 400, json({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' } })],
    [
      'Anthropic context limit with max_tokens',
      400,
      json({ type: 'error', error: { type: 'invalid_request_error', message: 'input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000' } }),
    ],
    [
      'Gemini input token count',
      400,
      json({ error: { code: 400, message: 'The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } }),
    ],
    ['Bedrock ValidationException', 400, json({ message: 'Input is too long for requested model.' })],
    ['vLLM', 400, json({ object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens", type: 'BadRequestError', code: 400 })],
  ])('%s is a context-window refusal', (_name, status, body) => {
    expect(refusalKind(status, body, undefined)).toBe('context_window');
    expect(providerErrorFromStatus(context, status, {}, body)).toMatchObject({ kind: 'context_window', code: 'invalid_request', retryable: false });
  });

  it.each([
    [
      'Azure content management policy',
      json({
        error: {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: true, severity: 'high' } } },
        },
      }),
    ],
    ['OpenAI content_policy_violation', json({ error: { message: 'Your request was rejected as a result of our safety system.', type: 'invalid_request_error', code: 'content_policy_violation' } })],
    ['Anthropic output filter', json({ type: 'error', error: { type: 'invalid_request_error', message: 'Output blocked by content filtering policy' } })],
  ])('%s is a content-policy refusal', (_name, body) => {
    expect(refusalKind(400, body, undefined)).toBe('content_policy');
    expect(providerErrorFromStatus(context, 400, {}, body).kind).toBe('content_policy');
  });

  it('leaves other refusals and other statuses unclassified', () => {
    expect(refusalKind(400, json({ error: { message: "Invalid value for 'temperature'", code: 'invalid_value' } }), undefined)).toBeUndefined();
    expect(refusalKind(500, json({ error: { message: 'prompt is too long' } }), undefined)).toBeUndefined();
    expect(refusalKind(429, json({ error: { code: 'context_length_exceeded' } }), undefined)).toBeUndefined();
    expect(providerErrorFromStatus(context, 401, {}, json({ error: { message: 'content policy' } })).kind).toBeUndefined();
    expect(refusalKind(400, 'not json', undefined)).toBeUndefined();
  });
});
