import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@gateway/contracts';
import { canonicalJson, encodeScope, exactCacheKey } from './exact-key.ts';

const base: ChatCompletionRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  temperature: 0.2,
};

const key = (request: ChatCompletionRequest, scope = 'key_1') => exactCacheKey(scope, 'openai', request);

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: undefined, b: null } })).toBe('{"a":{"b":null,"d":[3,1]},"b":1}');
  });
});

describe('exactCacheKey', () => {
  it('differs between the OpenAI and the Anthropic surface for the same fields', () => {
    expect(exactCacheKey('key_1', 'anthropic', base)).not.toBe(key(base));
  });

  it('is the encoded scope, a colon and a SHA-256 in hex', () => {
    expect(key(base)).toMatch(/^key_1:[0-9a-f]{64}$/);
  });

  it('does not depend on the order of fields, at the top or inside messages and tools', () => {
    const tool = { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } };
    const reordered: ChatCompletionRequest = {
      temperature: 0.2,
      tools: [{ function: { parameters: { properties: {}, type: 'object' }, name: 'weather' }, type: 'function' }],
      messages: [
        { content: 'You are terse.', role: 'system' },
        { content: 'What is the capital of France?', role: 'user' },
      ],
      model: 'gpt-4o-mini',
    };
    expect(key(reordered)).toBe(key({ ...base, tools: [tool] }));
  });

  it.each([
    ['user', { user: 'end-user-42' }],
    ['metadata', { metadata: { team: 'search', run: 7 } }],
    ['store', { store: true }],
    ['safety_identifier', { safety_identifier: 'abc' }],
    ['prompt_cache_key', { prompt_cache_key: 'p1' }],
    ['a null parameter', { top_p: null, seed: null }],
  ])('ignores %s', (_name, extra) => {
    expect(key({ ...base, ...extra } as ChatCompletionRequest)).toBe(key(base));
  });

  it.each([
    ['model', { model: 'gpt-4o' }],
    ['messages', { messages: [{ role: 'user', content: 'What is the capital of Spain?' }] }],
    ['temperature', { temperature: 0.3 }],
    ['top_p', { top_p: 0.9 }],
    ['max_tokens', { max_tokens: 100 }],
    ['max_completion_tokens', { max_completion_tokens: 100 }],
    ['stop', { stop: ['\n'] }],
    ['seed', { seed: 7 }],
    ['n', { n: 2 }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { logprobs: true, top_logprobs: 3 }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['reasoning_effort', { reasoning_effort: 'high' }],
    ['parallel_tool_calls', { parallel_tool_calls: false }],
    ['tools', { tools: [{ type: 'function', function: { name: 'weather' } }] }],
    ['tool_choice', { tool_choice: 'required' }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['verbosity', { verbosity: 'low' }],
    ['a parameter the gateway does not know', { some_future_option: 1 }],
    // A stored answer is replayed in its own form: JSON for JSON, SSE for SSE with the same options.
    ['stream', { stream: true }],
    ['stream_options', { stream: true, stream_options: { include_usage: true } }],
  ])('changes with %s', (_name, change) => {
    expect(key({ ...base, ...change } as ChatCompletionRequest)).not.toBe(key(base));
  });

  it('changes with the order of messages', () => {
    const [system, user] = base.messages;
    expect(key({ ...base, messages: [user!, system!] })).not.toBe(key(base));
  });

  it('never gives two scopes the same key, nor one scope a prefix of another', () => {
    const scopes = ['key_1', 'key_2', 'team', 'team:x', 'team%3Ax', 'team*', 'tëam', 'a/b'];
    const keys = scopes.map((scope) => key(base, scope));
    expect(new Set(keys).size).toBe(scopes.length);
    for (const scope of scopes) {
      const prefix = `${encodeScope(scope)}:`;
      const owners = keys.filter((candidate) => candidate.startsWith(prefix));
      expect(owners).toEqual([key(base, scope)]);
    }
  });

  it('refuses an empty scope rather than sharing an unscoped cache', () => {
    expect(() => key(base, '')).toThrow(/scope/);
  });
});
