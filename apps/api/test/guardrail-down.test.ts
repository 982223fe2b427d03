import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoutedApi, type Mode, type RoutedApi } from './support/routed-api.ts';

const modes: Mode[] = ['embedded', 'servers'];
const check = { type: 'keywords' as const, keywords: ['forbidden'], case_sensitive: false, action: 'deny' as const, phase: 'input' as const };

/** Policies apply, but no guardrail service answers on the bus: each policy's on_error decides. */
describe.each(modes)('API with the guardrail service down (%s)', (mode) => {
  let routed: RoutedApi;
  let client: OpenAI;
  let logs = '';

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        logs += chunk.toString();
        callback();
      },
    });
    routed = await startRoutedApi(mode, {
      guardrailPolicies: [
        { name: 'closed', checks: [check], onError: 'fail_closed' },
        { name: 'open', checks: [check], onError: 'fail_open' },
      ],
      logDestination: destination,
    });
    client = new OpenAI({ baseURL: `${routed.url}/v1`, apiKey: await routed.createKey(), maxRetries: 0 });
  });
  afterAll(async () => {
    await routed?.close();
  });

  const ask = (policies: string) =>
    client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hello' }] }, { headers: { 'x-gateway-guardrails': policies } }).withResponse();

  it('refuses with 503 when a policy fails closed, before any provider call', async () => {
    const before = routed.fakeOpenAi.requests.length;
    const error = await ask('open,closed').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const failure = error as InstanceType<typeof OpenAI.APIError>;
    expect(failure.status).toBe(503);
    expect(failure.error).toMatchObject({ code: 'dependency_unavailable', request_id: failure.headers?.get('x-request-id') });
    expect((failure.error as { message: string }).message).toContain('"closed" fails closed');
    expect(routed.fakeOpenAi.requests.length).toBe(before);
  });

  it('lets the request through when every policy fails open: flagged on the record, logged and counted', async () => {
    const { data, response } = await ask('open');
    expect(data.choices[0]?.message.content).toBe('Echo: hello');
    const [record] = await routed.recordsFor([response.headers.get('x-gateway-request-id')]);
    expect(record?.flags).toContain('guardrail_unavailable');
    expect(logs).toContain('guardrail service unavailable');
    const metrics = await routed.api.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/gateway_guardrail_failures_total\{phase="input",outcome="fail_open"[^}]*\} [1-9]/);
  });
});
