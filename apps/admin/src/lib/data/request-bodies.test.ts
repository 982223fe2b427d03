import { describe, expect, it } from 'vitest';
import type { UsageBodiesEntry } from '@gateway/db';
import { requestBodiesView } from './request-bodies.ts';

const bodies: UsageBodiesEntry = {
  requestId: 'req_1',
  createdAt: new Date('2030-01-01T00:00:00Z'),
  prompt: 'user:\n<img src=x onerror=alert(1)>',
  completion: null,
  promptTruncated: false,
  completionTruncated: false,
};

describe('requestBodiesView', () => {
  it('shows what was stored, noting when the key has stopped logging since', () => {
    expect(requestBodiesView(bodies, { logBodies: true })).toEqual({ kind: 'logged', bodies });
    expect(requestBodiesView(bodies, { logBodies: false })).toEqual({ kind: 'logged', bodies, note: expect.stringContaining('turned off') });
    expect(requestBodiesView(bodies, undefined)).toEqual({ kind: 'logged', bodies });
  });

  it('says body logging is off for a key that does not log, and why nothing is there for one that does', () => {
    expect(requestBodiesView(undefined, { logBodies: false })).toEqual({ kind: 'not_logged', message: expect.stringMatching(/^Body logging is off for this key/) });
    expect(requestBodiesView(undefined, { logBodies: true })).toEqual({ kind: 'not_logged', message: expect.stringContaining('before body logging was turned on') });
    expect(requestBodiesView(undefined, undefined)).toEqual({ kind: 'not_logged', message: expect.stringContaining('its key is gone') });
  });
});
