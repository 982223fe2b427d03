import { describe, expect, it } from 'vitest';
import { loggedBodyMaxChars } from '@gateway/contracts';
import { BodyLog } from './body-log.ts';

describe('BodyLog', () => {
  it('gives the prompt as sent upstream and the answer, both scrubbed of secrets', () => {
    const log = new BodyLog('openai', { messages: [{ role: 'user', content: 'my key is sk-Zq8rT2vLx9Kp4mWnB7cD1eF3gH' }] });
    log.answered({ choices: [{ index: 0, message: { content: 'Echo: my key is sk-Zq8rT2vLx9Kp4mWnB7cD1eF3gH' } }] });
    expect(log.toUsageBodies()).toEqual({
      prompt: 'user:\nmy key is <SECRET_1>',
      completion: 'Echo: my key is <SECRET_1>',
      promptTruncated: false,
      completionTruncated: false,
    });
  });

  it('has no completion when no answer came, and keeps restored values out of both', () => {
    const log = new BodyLog('anthropic', { system: 'Mail <EMAIL_ADDRESS_1>', messages: [{ role: 'user', content: 'hi <EMAIL_ADDRESS_1>' }] }, { '<EMAIL_ADDRESS_1>': 'jane@example.com' });
    expect(log.toUsageBodies()).toEqual({ prompt: 'system:\nMail <EMAIL_ADDRESS_1>\n\nuser:\nhi <EMAIL_ADDRESS_1>', completion: null, promptTruncated: false, completionTruncated: false });
    log.streamed({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    log.streamed({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Sent to jane@example.com' } });
    expect(log.toUsageBodies().completion).toBe('Sent to <EMAIL_ADDRESS_1>');
  });

  it('cuts a long prompt and a long streamed answer, marking each', () => {
    const log = new BodyLog('openai', { messages: [{ role: 'user', content: 'p'.repeat(100_000) }] });
    for (let index = 0; index < 100; index += 1) log.streamed({ choices: [{ index: 0, delta: { content: 'c'.repeat(1000) } }] });
    const bodies = log.toUsageBodies();
    expect([bodies.prompt?.length, bodies.promptTruncated]).toEqual([loggedBodyMaxChars, true]);
    expect([bodies.completion?.length, bodies.completionTruncated]).toEqual([loggedBodyMaxChars, true]);
  });
});
