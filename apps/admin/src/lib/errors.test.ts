import { describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { gatewayErrorCode, operatorMessage } from './errors.ts';

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

describe('operatorMessage', () => {
  it('passes on what a gateway error tells the operator to change', () => {
    expect(operatorMessage(new GatewayError('conflict', 'The model "m" is defined in gateway.yaml and is read-only here; change it in the file'))).toBe(
      'The model "m" is defined in gateway.yaml and is read-only here; change it in the file.',
    );
    expect(operatorMessage(new GatewayError('not_found', 'No provider named "p".'))).toBe('No provider named "p".');
    expect(operatorMessage(Object.assign(new Error('bad value'), { name: 'GatewayError', code: 'invalid_request' }))).toBe('bad value.');
  });

  it('keeps every other error to the server log', () => {
    expect(operatorMessage(new Error('duplicate key value violates unique constraint "providers_name_key"'))).toBeUndefined();
    expect(operatorMessage(new GatewayError('internal_error', 'connect ECONNREFUSED 10.0.0.5:5432'))).toBeUndefined();
    expect(operatorMessage(new GatewayError('dependency_unavailable', 'no answer from cache.v1.purge'))).toBeUndefined();
    expect(operatorMessage('conflict')).toBeUndefined();
  });
});
