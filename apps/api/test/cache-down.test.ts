import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoutedApi, type Mode, type RoutedApi } from './support/routed-api.ts';

const modes: Mode[] = ['embedded', 'servers'];

/** Caching is on, but no cache service answers on the bus: requests must still be answered (fail open). */
describe.each(modes)('API with the cache service down (%s)', (mode) => {
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
    routed = await startRoutedApi(mode, { cacheDefaults: { mode: 'exact', ttl: 60 }, logDestination: destination });
    client = new OpenAI({ baseURL: `${routed.url}/v1`, apiKey: await routed.createKey(), maxRetries: 0 });
  });
  afterAll(async () => {
    await routed?.close();
  });

  it('answers from the provider, says BYPASS, records it, logs and counts the failure', async () => {
    const before = routed.fakeOpenAi.requests.length;
    for (const stream of [false, true]) {
      if (stream) {
        const completion = await client.chat.completions.stream({ model: 'fast', messages: [{ role: 'user', content: 'cache down, stream' }] }).finalChatCompletion();
        expect(completion.choices[0]?.message.content).toBe('Echo: cache down, stream');
      } else {
        const { data, response } = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'cache down' }] }).withResponse();
        expect(data.choices[0]?.message.content).toBe('Echo: cache down');
        expect(response.headers.get('x-gateway-cache')).toBe('BYPASS');
        const [record] = await routed.recordsFor([response.headers.get('x-gateway-request-id')]);
        expect(record).toMatchObject({ cacheStatus: 'bypass', status: 200 });
        expect(record!.costUsd).toBeGreaterThan(0);
      }
    }
    expect(routed.fakeOpenAi.requests.length).toBe(before + 2);
    expect(logs).toContain('cache lookup failed; the request goes on without the cache');
    const metrics = await routed.api.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/gateway_cache_failures_total\{operation="lookup"[^}]*\} [1-9]/);
  });
});
