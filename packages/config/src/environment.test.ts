import { describe, expect, it } from 'vitest';
import { parseEnvironment } from './environment.ts';

describe('parseEnvironment: retention and stream replicas', () => {
  it('defaults: bodies kept 30 days, usage records and one stream replica kept as they are', () => {
    const environment = parseEnvironment({});
    expect([environment.GATEWAY_BODY_RETENTION_DAYS, environment.GATEWAY_USAGE_RETENTION_DAYS, environment.NATS_STREAM_REPLICAS]).toEqual([30, 0, 1]);
  });

  it('reads numbers from strings, 0 meaning keep', () => {
    const environment = parseEnvironment({ GATEWAY_BODY_RETENTION_DAYS: '0', GATEWAY_USAGE_RETENTION_DAYS: '400', NATS_STREAM_REPLICAS: '3' });
    expect([environment.GATEWAY_BODY_RETENTION_DAYS, environment.GATEWAY_USAGE_RETENTION_DAYS, environment.NATS_STREAM_REPLICAS]).toEqual([0, 400, 3]);
  });

  it('refuses a usage retention shorter than a budget period, and replicas beyond a cluster’s', () => {
    expect(() => parseEnvironment({ GATEWAY_USAGE_RETENTION_DAYS: '10' })).toThrow(
      'GATEWAY_USAGE_RETENTION_DAYS: at least 35 days (budgets are reconciled from the usage records of their month), or 0 to keep them',
    );
    expect(() => parseEnvironment({ GATEWAY_BODY_RETENTION_DAYS: '-1' })).toThrow('GATEWAY_BODY_RETENTION_DAYS');
    expect(() => parseEnvironment({ NATS_STREAM_REPLICAS: '7' })).toThrow('NATS_STREAM_REPLICAS');
  });
});
