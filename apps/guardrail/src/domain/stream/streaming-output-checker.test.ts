import { describe, expect, it } from 'vitest';
import { guardrailPolicySchema, type GuardrailPolicyInput } from '@gateway/contracts';
import { checkOutput } from '../policy/run-policies.ts';
import { restorePlaceholders, partialPlaceholderStart } from './restore-placeholders.ts';
import { StreamingOutputChecker, type StreamStep, type WindowInspector } from './streaming-output-checker.ts';

const policy = (checks: GuardrailPolicyInput['checks']) => guardrailPolicySchema.parse({ name: 'out', checks });

/** The inspector the API would build over the bus, here calling the checks in process; it records the windows it saw. */
function inspector(policies: ReturnType<typeof policy>[], windows: string[] = []): WindowInspector {
  return async (text, complete) => {
    windows.push(text);
    return checkOutput({ requestId: 'r', policies, text, complete }, { injectionModel: { score: () => 0 } });
  };
}

/** Feeds the chunks, collecting what leaves after each; stops at a deny like the API would. */
async function run(checker: StreamingOutputChecker, chunks: string[]): Promise<{ emitted: string[]; denial?: StreamStep['denial'] }> {
  const emitted: string[] = [];
  for (const chunk of chunks) {
    const step = await checker.push(chunk);
    if (step.denial) return { emitted, denial: step.denial };
    if (step.text) emitted.push(step.text);
  }
  const last = await checker.finish();
  if (last.text) emitted.push(last.text);
  return last.denial ? { emitted, denial: last.denial } : { emitted };
}

/** Splits text into chunks of `size` characters, as a provider's deltas might. */
const chunked = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, (index + 1) * size));

describe('StreamingOutputChecker', () => {
  const redactPii = policy([{ type: 'pii', entities: ['EMAIL_ADDRESS', 'CREDIT_CARD'], action: 'redact', phase: 'output' }]);

  it('redacts an entity split across chunks before any of it leaves', async () => {
    const answer = `${'Here is the contact you asked for. '.repeat(3)}Write to ann.lee@example.com or pay with 4111 1111 1111 1111. ${'Anything else? '.repeat(10)}`;
    for (const size of [1, 3, 7, 20]) {
      const checker = new StreamingOutputChecker({ inspect: inspector([redactPii]), holdbackChars: 32, contextChars: 64 });
      const { emitted, denial } = await run(checker, chunked(answer, size));
      expect(denial).toBeUndefined();
      const text = emitted.join('');
      expect(text).toBe(answer.replace('ann.lee@example.com', '<EMAIL_ADDRESS_1>').replace('4111 1111 1111 1111', '<CREDIT_CARD_1>'));
      // No emitted piece holds any part of the values long enough to matter.
      for (const piece of emitted) expect(piece).not.toMatch(/ann\.lee|@example|4111 1111/);
      expect(checker.verdicts()).toEqual([{ policy: 'out', check: 'pii', index: 0, action: 'redact', verdict: 'redact', entities: { EMAIL_ADDRESS: 1, CREDIT_CARD: 1 } }]);
    }
  });

  it('releases text as it goes, keeping back only the window', async () => {
    const checker = new StreamingOutputChecker({ inspect: inspector([redactPii]), holdbackChars: 16 });
    expect(await checker.push('short')).toEqual({ text: '' });
    const step = await checker.push(' sentence that is longer than the holdback window');
    expect(step.text.length).toBeGreaterThan(0);
    expect(step.text + (await checker.finish()).text).toBe('short sentence that is longer than the holdback window');
  });

  it('asks the service once per minReleaseChars, not once per token', async () => {
    const windows: string[] = [];
    const checker = new StreamingOutputChecker({ inspect: inspector([redactPii], windows), holdbackChars: 32, minReleaseChars: 16 });
    const answer = 'word '.repeat(80);
    expect((await run(checker, chunked(answer, 4))).emitted.join('')).toBe(answer);
    // 400 characters: the first call once 48 are pending, then one per 16 or so released, and the end.
    expect(windows.length).toBeGreaterThan(10);
    expect(windows.length).toBeLessThanOrEqual(400 / 16 + 2);
  });

  it('holds an entity that reaches the end of what arrived until it is complete', async () => {
    const checker = new StreamingOutputChecker({ inspect: inspector([redactPii]), holdbackChars: 8 });
    const first = await checker.push('Reply to the address bob@example.com');
    expect(first.text).toBe('Reply to the address ');
    const second = await checker.push('.au thanks, and have a good day');
    const last = await checker.finish();
    expect(first.text + second.text + last.text).toBe('Reply to the address <EMAIL_ADDRESS_1> thanks, and have a good day');
  });

  it('restores reversible placeholders split across chunks, and leaves output placeholders alone', async () => {
    const restore = { '<EMAIL_ADDRESS_1>': 'ann@example.com', '<PERSON_1>': 'Ann Lee' };
    const checker = new StreamingOutputChecker({
      inspect: inspector([redactPii]),
      restore,
      placeholderCounts: { EMAIL_ADDRESS: 1, PERSON: 1 },
      holdbackChars: 4,
    });
    const chunks = ['Dear <PER', 'SON_1>, we wrote to <EMAIL_', 'ADDRESS_1> and copied eve@ex', 'ample.org as asked. <UNKNOWN_3> stays.'];
    const { emitted } = await run(checker, chunks);
    expect(emitted.join('')).toBe('Dear Ann Lee, we wrote to ann@example.com and copied <EMAIL_ADDRESS_2> as asked. <UNKNOWN_3> stays.');
    for (const piece of emitted) expect(piece).not.toMatch(/<[A-Z_]*$/);
  });

  it('stops the stream at a deny, releasing nothing of the denied text, and accepts nothing after', async () => {
    const windows: string[] = [];
    const deny = policy([{ type: 'regex', pattern: '(?i)internal only', action: 'deny', phase: 'output' }]);
    const checker = new StreamingOutputChecker({ inspect: inspector([deny], windows), holdbackChars: 24 });
    const { emitted, denial } = await run(checker, chunked(`${'The plan is simple and public. '.repeat(3)}This part is Internal Only and secret. More text follows here.`, 5));
    expect(denial).toMatchObject({ policy: 'out', check: 'regex', index: 0 });
    expect(emitted.join('')).not.toMatch(/Internal/i);
    expect(await checker.push('more')).toEqual({ text: '', denial });
    expect(checker.verdicts()).toEqual([{ policy: 'out', check: 'regex', index: 0, action: 'deny', verdict: 'deny', entities: { REGEX: 1 } }]);
    // Each window repeats the released tail, so a pattern across the boundary is seen.
    expect(windows.length).toBeGreaterThan(1);
  });

  it('checks the whole answer at the end when asked: a stream that is not valid JSON ends with a deny', async () => {
    const structured = policy([{ type: 'json_schema', action: 'deny', schema: { type: 'object', required: ['city'] } }]);
    const valid = new StreamingOutputChecker({ inspect: inspector([structured]), holdbackChars: 8, checkWholeAnswer: true });
    expect(await run(valid, chunked('{"city": "Paris", "country": "France"}', 5))).toEqual({ emitted: expect.any(Array) });
    const invalid = new StreamingOutputChecker({ inspect: inspector([structured]), holdbackChars: 8, checkWholeAnswer: true });
    const { emitted, denial } = await run(invalid, chunked('{"town": "Paris", "country": "France"}', 5));
    // The windows passed (json_schema waits for the whole answer), so the text left; the end is a deny.
    expect(emitted.join('')).toBe('{"town": "Paris", "country": "France"}');
    expect(denial?.message).toBe("json_schema check of policy out: the output does not match the schema: / must have required property 'city'");
    // Without the option, a stream is checked window by window only.
    const unchecked = new StreamingOutputChecker({ inspect: inspector([structured]), holdbackChars: 8 });
    expect((await run(unchecked, chunked('{"town": "Paris"}', 5))).denial).toBeUndefined();
  });

  it('passes text through unchanged when nothing matches', async () => {
    const answer = 'Nothing sensitive here at all, just a friendly answer about the weather and the sea.';
    const checker = new StreamingOutputChecker({ inspect: inspector([redactPii]), holdbackChars: 10 });
    expect((await run(checker, chunked(answer, 4))).emitted.join('')).toBe(answer);
    expect(checker.verdicts()).toEqual([{ policy: 'out', check: 'pii', index: 0, action: 'redact', verdict: 'pass' }]);
  });
});

describe('restorePlaceholders', () => {
  it('restores known placeholders only', () => {
    expect(restorePlaceholders('to <EMAIL_ADDRESS_1>, not <EMAIL_ADDRESS_2> or <b>', { '<EMAIL_ADDRESS_1>': 'a@b.io' })).toBe('to a@b.io, not <EMAIL_ADDRESS_2> or <b>');
  });

  it('finds where a placeholder may still be growing', () => {
    expect(partialPlaceholderStart('Dear <PERS')).toBe(5);
    expect(partialPlaceholderStart('Dear <')).toBe(5);
    expect(partialPlaceholderStart('a < b')).toBe(5);
    expect(partialPlaceholderStart('Dear <PERSON_1>')).toBe(15);
  });
});
