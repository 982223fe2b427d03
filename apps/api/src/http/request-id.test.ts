import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestIdFor } from './request-id.ts';

const withHeader = (value?: string | string[]) => ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as unknown as IncomingMessage;

describe('requestIdFor', () => {
  it('reuses a safe incoming x-request-id', () => {
    expect(requestIdFor(withHeader('kong-3f2a.1:9'))).toBe('kong-3f2a.1:9');
    expect(requestIdFor(withHeader(['first', 'second']))).toBe('first');
  });

  it('makes a new id when none came or the incoming one is unsafe to log', () => {
    expect(requestIdFor(withHeader())).toMatch(/^req_[0-9a-f]{32}$/);
    expect(requestIdFor(withHeader('evil\nINFO forged line'))).toMatch(/^req_/);
    expect(requestIdFor(withHeader('x'.repeat(129)))).toMatch(/^req_/);
  });
});
