import { describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { gatewayErrorCode } from './errors.ts';

describe('gatewayErrorCode', () => {
  it('reads the code of a GatewayError, also one made by another copy of the class', () => {
    expect(gatewayErrorCode(new GatewayError('conflict', 'taken'))).toBe('conflict');
    const foreign = Object.assign(new Error('no answer'), { name: 'GatewayError', code: 'dependency_unavailable' });
    expect(gatewayErrorCode(foreign)).toBe('dependency_unavailable');
  });

  it('gives nothing for other errors and values', () => {
    expect(gatewayErrorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(gatewayErrorCode('conflict')).toBeUndefined();
    expect(gatewayErrorCode(null)).toBeUndefined();
  });
});
