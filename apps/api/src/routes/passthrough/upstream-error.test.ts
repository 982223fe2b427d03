import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readErrorBody, scrubbedErrorBody, targetSecrets, withheldAnswerError } from './upstream-error.ts';
import { errorCodeForUpstreamStatus, passesThrough } from './upstream-status.ts';

const providerKey = 'sk-proj-provider-key-0123456789';

describe('which error answers pass through', () => {
  it('passes the client’s mistakes and withholds the rest', () => {
    expect([400, 404, 409, 413, 422, 429].every(passesThrough)).toBe(true);
    expect([401, 402, 403, 405, 408, 500, 502, 503, 504, 529].some(passesThrough)).toBe(false);
  });

  it('maps each status to the code the API answers with', () => {
    expect([401, 403, 402, 500, 502].map(errorCodeForUpstreamStatus)).toEqual(Array(5).fill('provider_error'));
    expect([503, 529].map(errorCodeForUpstreamStatus)).toEqual(['provider_unavailable', 'provider_unavailable']);
    expect([408, 504].map(errorCodeForUpstreamStatus)).toEqual(['provider_timeout', 'provider_timeout']);
    expect([400, 404, 409, 413, 422, 429].map(errorCodeForUpstreamStatus)).toEqual([
      'invalid_request',
      'not_found',
      'conflict',
      'request_too_large',
      'invalid_request',
      'rate_limited',
    ]);
  });
});

describe('targetSecrets', () => {
  it('takes the credential, also without its scheme, but not protocol headers', () => {
    const secrets = targetSecrets({ baseUrl: 'https://api.example', headers: { authorization: `Bearer ${providerKey}`, 'anthropic-version': '2023-06-01' } });
    expect(secrets).toEqual([`Bearer ${providerKey}`, providerKey]);
  });
});

describe('scrubbedErrorBody', () => {
  it('scrubs every string of a JSON answer, keeping it JSON in the same shape', () => {
    const body = Buffer.from(
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${providerKey}. Rate limit reached in organization org-AbCdEfGh12345678`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_value',
          api_key: 'short',
        },
      }),
    );
    const scrubbed = JSON.parse(scrubbedErrorBody(body, 'application/json', [providerKey], '/passthrough/openai/chat/completions').toString()) as {
      error: Record<string, unknown>;
    };
    expect(scrubbed.error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'invalid_value', api_key: '[redacted]' });
    expect(scrubbed.error.message).toBe('Incorrect API key provided: [redacted]. Rate limit reached in organization [redacted]');
  });

  it('keeps ids the client sent in its own URL, and scrubs other key-shaped runs', () => {
    const body = Buffer.from(JSON.stringify({ error: { message: 'No such File object: file-AbCdEf1234567890abcdef (key AbCdEf1234567890ghijkl)' } }));
    const scrubbed = scrubbedErrorBody(body, 'application/json; charset=utf-8', [], '/passthrough/openai/files/file-AbCdEf1234567890abcdef').toString();
    expect(scrubbed).toContain('file-AbCdEf1234567890abcdef');
    expect(scrubbed).not.toContain('AbCdEf1234567890ghijkl');
  });

  it('never keeps the provider’s key, even when the client put it in its URL', () => {
    const body = Buffer.from(`bad key ${providerKey}`);
    expect(scrubbedErrorBody(body, 'text/plain', [providerKey], `/passthrough/openai/${providerKey}`).toString()).toBe('bad key [redacted]');
  });

  it('scrubs a body that says it is JSON but is not, as text', () => {
    const body = Buffer.from(`<html>Authorization: Bearer ${providerKey}</html>`);
    const scrubbed = scrubbedErrorBody(body, 'application/json', [], '/passthrough/x').toString();
    expect(scrubbed).toContain('<html>');
    expect(scrubbed).not.toContain(providerKey);
  });
});

describe('withheldAnswerError', () => {
  it('says only who failed and how, and keeps the provider’s scrubbed words and request id for the log', () => {
    const body = Buffer.from(JSON.stringify({ error: { message: `Incorrect API key provided: sk-proj-****6789 (${providerKey})`, code: 'invalid_api_key' } }));
    const error = withheldAnswerError('openai', 401, { 'x-request-id': 'req_upstream1' }, body, [providerKey]);
    expect(error.code).toBe('provider_error');
    expect(error.status).toBe(502);
    expect(error.source).toBe('provider:openai');
    expect(error.message).toBe("provider openai rejected the gateway's credentials (401)");
    const logged = String((error.cause as Error).message);
    expect(logged).toContain('req_upstream1');
    expect(logged).toContain('Incorrect API key provided');
    expect(logged).not.toContain(providerKey);
    expect(logged).not.toContain('sk-proj-****6789');
  });

  it('maps server failures and keeps the provider’s Retry-After', () => {
    const unavailable = withheldAnswerError('claude', 529, { 'retry-after': '7' }, Buffer.from('{"type":"error"}'), []);
    expect(unavailable).toMatchObject({ code: 'provider_unavailable', status: 503, retryAfterSeconds: 7 });
    expect(unavailable.message).toBe('provider claude is unavailable (529)');
    expect(withheldAnswerError('claude', 504, {}, undefined, [])).toMatchObject({ code: 'provider_timeout', message: 'provider claude timed out (504)' });
    expect(withheldAnswerError('claude', 500, {}, Buffer.from('<html>db-host-7:5432 down</html>'), []).message).toBe('provider claude failed (500)');
  });
});

describe('readErrorBody', () => {
  it('reads a short answer whole and gives up on a long one', async () => {
    expect((await readErrorBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4))?.toString()).toBe('abcd');
    expect(await readErrorBody(Readable.from([Buffer.from('ab'), Buffer.from('cde')]), 4)).toBeUndefined();
  });
});
