import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { ProviderError } from './errors.ts';
import { postBody, postJson, type UpstreamClient } from './http.ts';

/** A dispatcher that records what it is asked to send and answers with `status` and `text`. */
function recordingClient(status: number, text: string) {
  const sent: Dispatcher.RequestOptions[] = [];
  const dispatcher = {
    async request(options: Dispatcher.RequestOptions) {
      sent.push(options);
      return { statusCode: status, headers: {}, body: { text: async () => text } };
    },
  } as unknown as Dispatcher;
  const client: UpstreamClient = { provider: 'test-provider', dispatcher, secrets: [] };
  return { client, sent };
}

describe('postJson and postBody', () => {
  it('send the origin and path that URL parsing gives, for plain and unusual URLs alike', async () => {
    const urls = [
      'https://example.test/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      'https://example.test/model/anthropic.claude-3%3A0/converse-stream',
      'https://example.test/a/../v1/chat completions',
      'https://example.test/v1/%2e/chat?x=\'y\'#fragment',
      'https://user:secret@example.test/v1/chat',
      'https://example.test?q=/v1',
    ];
    for (const url of urls) {
      const { client, sent } = recordingClient(200, '{}');
      await postJson(client, url, {}, { a: 1 }, undefined);
      const parsed = new URL(url);
      expect(sent[0]?.path).toBe(`${parsed.pathname}${parsed.search}`);
      expect(new URL(String(sent[0]?.origin)).origin).toBe(parsed.origin);
    }
  });

  it('postJson serialises the body; postBody sends the given text unchanged', async () => {
    const json = recordingClient(200, '{}');
    await postJson(json.client, 'https://example.test/v1', {}, { b: [1, 2] }, undefined);
    expect(json.sent[0]?.body).toBe('{"b":[1,2]}');
    const raw = recordingClient(200, '{}');
    await postBody(raw.client, 'https://example.test/v1', {}, '{ "signed" : true }', undefined);
    expect(raw.sent[0]?.body).toBe('{ "signed" : true }');
  });

  it('maps a failed answer by the status failureStatus gives', async () => {
    const failure = async (status: number, options = {}) => {
      const { client } = recordingClient(status, '{"error":{"message":"no"}}');
      return postJson(client, 'https://example.test/v1', {}, {}, undefined, options).catch((error: unknown) => error);
    };
    const unauthorized = await failure(401);
    const mapped = await failure(400, { failureStatus: (status: number) => (status === 400 ? 401 : status) });
    const plain = await failure(400);
    expect(unauthorized).toBeInstanceOf(ProviderError);
    expect(mapped).toBeInstanceOf(ProviderError);
    expect((mapped as ProviderError).code).toBe((unauthorized as ProviderError).code);
    expect((plain as ProviderError).code).not.toBe((unauthorized as ProviderError).code);
  });
});
