import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@gateway/contracts';
import { DEFAULT_SEMANTIC_MAX_CHARACTERS, semanticLookup, type SemanticLookup } from './semantic-partition.ts';

const base: ChatCompletionRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  temperature: 0.2,
};

function eligible(lookup: SemanticLookup): { partition: string; text: string } {
  if (!lookup.eligible) throw new Error(`expected an eligible lookup, got ${lookup.reason}`);
  return lookup;
}

const partitionOf = (request: ChatCompletionRequest, scope = 'key_1') => eligible(semanticLookup(scope, request)).partition;

function withLastTurn(content: ChatCompletionRequest['messages'][number]['content']): ChatCompletionRequest {
  return { ...base, messages: [base.messages[0]!, { role: 'user', content }] };
}

describe('semanticLookup', () => {
  it('embeds the last user turn and keeps the partition when only that turn changes', () => {
    const first = eligible(semanticLookup('key_1', base));
    const second = eligible(semanticLookup('key_1', withLastTurn("Which city is France's capital?")));
    expect(first.text).toBe('What is the capital of France?');
    expect(second.text).toBe("Which city is France's capital?");
    expect(second.partition).toBe(first.partition);
    expect(first.partition).toMatch(/^key_1:[0-9a-f]{64}$/);
  });

  it('separates surfaces and embedders', () => {
    const openai = partitionOf(base);
    expect(eligible(semanticLookup('key_1', base, { surface: 'anthropic' })).partition).not.toBe(openai);
    expect(eligible(semanticLookup('key_1', base, { embedder: 'text-embedding-3-small' })).partition).not.toBe(openai);
  });

  it('reads an Anthropic request: system at the top level goes into the partition, the text blocks are embedded', () => {
    const request = { model: 'claude', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi there' }] }] };
    const lookup = eligible(semanticLookup('key_1', request, { surface: 'anthropic' }));
    expect(lookup.text).toBe('Hi there');
    expect(eligible(semanticLookup('key_1', { ...request, system: 'Be long.' }, { surface: 'anthropic' })).partition).not.toBe(lookup.partition);
  });

  it('joins text parts with a newline', () => {
    const lookup = eligible(semanticLookup('key_1', withLastTurn([{ type: 'text', text: 'Translate:' }, { type: 'text', text: 'bonjour' }])));
    expect(lookup.text).toBe('Translate:\nbonjour');
  });

  it.each([
    ['scope', partitionOf(base, 'key_2')],
    ['model', partitionOf({ ...base, model: 'gpt-4o' })],
    ['system prompt', partitionOf({ ...base, messages: [{ role: 'system', content: 'You are verbose.' }, base.messages[1]!] })],
    ['earlier turns', partitionOf({ ...base, messages: [base.messages[0]!, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, base.messages[1]!] })],
    ['tools', partitionOf({ ...base, tools: [{ type: 'function', function: { name: 'weather' } }] })],
    ['tool_choice', partitionOf({ ...base, tool_choice: 'none' } as ChatCompletionRequest)],
    ['temperature', partitionOf({ ...base, temperature: 1 })],
    ['max_tokens', partitionOf({ ...base, max_tokens: 5 })],
    ['response_format', partitionOf({ ...base, response_format: { type: 'json_object' } } as ChatCompletionRequest)],
    ['the name on the last turn', partitionOf({ ...base, messages: [base.messages[0]!, { role: 'user', name: 'alice', content: 'What is the capital of France?' }] })],
  ])('changes with the %s', (_name, partition) => {
    expect(partition).not.toBe(partitionOf(base));
  });

  it('does not change with user or metadata, and does with stream (answers are replayed in their own form)', () => {
    expect(partitionOf({ ...base, user: 'u', metadata: { a: 1 } } as ChatCompletionRequest)).toBe(partitionOf(base));
    expect(partitionOf({ ...base, stream: true })).not.toBe(partitionOf(base));
  });

  it('skips a request whose last message is not a user turn', () => {
    const request: ChatCompletionRequest = { ...base, messages: [...base.messages, { role: 'assistant', content: 'Paris' }] };
    expect(semanticLookup('key_1', request)).toEqual({ eligible: false, reason: 'last-message-not-user' });
  });

  it('skips a last turn with an image, which the text embedding could not see', () => {
    const request = withLastTurn([{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:,' } }]);
    expect(semanticLookup('key_1', request)).toEqual({ eligible: false, reason: 'non-text-content' });
  });

  it('skips an empty last turn', () => {
    expect(semanticLookup('key_1', withLastTurn('  '))).toEqual({ eligible: false, reason: 'empty-text' });
  });

  it('skips a last turn over the size limit, which is configurable', () => {
    const atLimit = 'a'.repeat(DEFAULT_SEMANTIC_MAX_CHARACTERS);
    expect(semanticLookup('key_1', withLastTurn(atLimit)).eligible).toBe(true);
    expect(semanticLookup('key_1', withLastTurn(`${atLimit}a`))).toEqual({ eligible: false, reason: 'too-long' });
    expect(semanticLookup('key_1', withLastTurn('a'.repeat(11)), { maxCharacters: 10 })).toEqual({ eligible: false, reason: 'too-long' });
  });
});
