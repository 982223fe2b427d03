import { defineEndpoint, GatewayError } from '@gateway/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeJson } from './codec.ts';
import { runEndpoint } from './endpoint-runner.ts';
import type { EndpointRunnerOptions } from './endpoint-runner.ts';
import type { BusLogger } from './logger.ts';
import type { EndpointHandler, ServiceEndpoint } from './types.ts';

const plan = defineEndpoint({
  service: 'router',
  version: '1.0.0',
  group: 'router.v1',
  name: 'plan',
  request: z.object({ model: z.string(), limit: z.number().default(3) }),
  response: z.object({ targets: z.array(z.string()) }),
});

const logged: string[] = [];
const logger: BusLogger = {
  info: () => {},
  warn: (_details, message) => logged.push(message),
  error: (_details, message) => logged.push(message),
};
const options: EndpointRunnerOptions = { service: 'router', source: 'router', logger };

function binding(handler: EndpointHandler<typeof plan>): ServiceEndpoint {
  return { endpoint: plan, handler } as ServiceEndpoint;
}

describe('runEndpoint', () => {
  it('hands the handler the parsed request, defaults included, and encodes its answer', async () => {
    let seen: unknown;
    const outcome = await runEndpoint(
      binding((request) => {
        seen = request;
        return { targets: ['a'] };
      }),
      encodeJson({ model: 'gpt' }),
      {},
      options,
    );
    expect(seen).toEqual({ model: 'gpt', limit: 3 });
    expect(outcome).toEqual({ ok: true, data: encodeJson({ targets: ['a'] }) });
  });

  it('answers bytes that are not JSON with invalid_request', async () => {
    const outcome = await runEndpoint(binding(() => ({ targets: [] })), new TextEncoder().encode('{'), {}, options);
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'invalid_request', message: 'Invalid router.v1.plan request: the body is not JSON', source: 'router' },
    });
  });

  it('names the failing field of an invalid request without echoing its value', async () => {
    const outcome = await runEndpoint(binding(() => ({ targets: [] })), encodeJson({ model: 'secret-value-42', limit: 'x' }), {}, options);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('invalid_request');
    expect(outcome.error.message).toMatch(/^Invalid router\.v1\.plan request: limit: /);
    expect(outcome.error.message).not.toContain('secret-value-42');
  });

  it('keeps a GatewayError as it is and hides any other error', async () => {
    const gatewayFailure = await runEndpoint(
      binding(() => {
        throw new GatewayError('rate_limited', 'Slow down', { source: 'gateway' });
      }),
      encodeJson({ model: 'gpt' }),
      {},
      options,
    );
    expect(gatewayFailure).toEqual({ ok: false, error: { code: 'rate_limited', message: 'Slow down', source: 'gateway', param: null } });

    const crash = await runEndpoint(
      binding(async () => {
        throw new TypeError('cannot read properties of undefined');
      }),
      encodeJson({ model: 'gpt' }),
      { requestId: 'req-9' },
      options,
    );
    expect(crash).toEqual({ ok: false, error: { code: 'internal_error', message: 'The router service failed', source: 'router' } });
    expect(logged).toContain('Service handler failed');
  });

  it('refuses to send a response that breaks the contract', async () => {
    const outcome = await runEndpoint(
      binding(() => ({ targets: 'all' }) as unknown as { targets: string[] }),
      encodeJson({ model: 'gpt' }),
      {},
      options,
    );
    expect(outcome).toEqual({ ok: false, error: { code: 'internal_error', message: 'The router service failed', source: 'router' } });
    expect(logged).toContain('Service handler returned a response that breaks its contract');
  });
});
