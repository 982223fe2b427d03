import { defineEndpoint } from '@gateway/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkServiceDefinition, serviceErrorSource } from './service-definition.ts';

const plan = defineEndpoint({
  service: 'router',
  version: '1.0.0',
  group: 'router.v1',
  name: 'plan',
  request: z.object({}),
  response: z.object({}),
});
const handler = () => ({});

describe('checkServiceDefinition', () => {
  it('accepts endpoints of its own service', () => {
    expect(() => checkServiceDefinition({ name: 'router', version: '1.0.0', endpoints: [{ endpoint: plan, handler }] })).not.toThrow();
  });

  it('refuses an endpoint of another service, a subject bound twice and no endpoint at all', () => {
    expect(() => checkServiceDefinition({ name: 'cache', version: '1.0.0', endpoints: [{ endpoint: plan, handler }] })).toThrow(
      /belongs to service router/,
    );
    expect(() =>
      checkServiceDefinition({
        name: 'router',
        version: '1.0.0',
        endpoints: [
          { endpoint: plan, handler },
          { endpoint: plan, handler },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => checkServiceDefinition({ name: 'router', version: '1.0.0', endpoints: [] })).toThrow(/no endpoints/);
  });

  it('blames the service itself when the error type names it, the gateway otherwise', () => {
    expect(serviceErrorSource({ name: 'router', version: '1.0.0', endpoints: [] })).toBe('router');
    expect(serviceErrorSource({ name: 'guardrail', version: '1.0.0', endpoints: [] })).toBe('guardrail');
    expect(serviceErrorSource({ name: 'cache', version: '1.0.0', endpoints: [] })).toBe('gateway');
  });
});
