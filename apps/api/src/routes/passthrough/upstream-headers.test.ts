import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, providerRequestId, upstreamRequestHeaders } from './upstream-headers.ts';

describe('upstreamRequestHeaders', () => {
  const client = {
    accept: 'application/json',
    'accept-language': 'fr',
    'content-type': 'application/json',
    'content-length': '12',
    'content-encoding': 'gzip',
    'user-agent': 'OpenAI/JS 5.0.0',
    'idempotency-key': 'stainless-retry-1',
    'openai-beta': 'assistants=v2',
    'anthropic-version': '2023-06-01',
    'anthropic-beta': 'files-api-2025-04-14',
    'x-goog-api-client': 'google-genai-sdk/1.0.0',
    'x-goog-upload-protocol': 'resumable',
    'x-goog-upload-command': 'start',
    authorization: 'Bearer gw-client',
    'x-api-key': 'gw-client',
    'x-goog-api-key': 'gw-client',
    'x-goog-user-project': 'someone-elses-project',
    'api-key': 'gw-client',
    cookie: 'session=client',
    'proxy-authorization': 'Basic abc',
    'x-forwarded-for': '203.0.113.7',
    forwarded: 'for=203.0.113.7',
    'x-real-ip': '203.0.113.7',
    'openai-organization': 'org-client',
    'openai-project': 'proj_client',
    'x-gateway-strict': 'true',
    'accept-encoding': 'gzip',
    'x-request-id': 'client-id',
    'x-custom': 'anything',
    host: 'gateway.example',
  };

  it('forwards only the allow-listed client headers, then the target’s and the gateway’s request id', () => {
    const headers = upstreamRequestHeaders(client, { authorization: 'Bearer provider-key', 'anthropic-version': '2023-01-01' }, 'req_gateway');
    expect(headers).toEqual({
      accept: 'application/json',
      'accept-language': 'fr',
      'content-type': 'application/json',
      'content-length': '12',
      'content-encoding': 'gzip',
      'user-agent': 'OpenAI/JS 5.0.0',
      'idempotency-key': 'stainless-retry-1',
      'openai-beta': 'assistants=v2',
      'anthropic-version': '2023-01-01',
      'anthropic-beta': 'files-api-2025-04-14',
      'x-goog-api-client': 'google-genai-sdk/1.0.0',
      'x-goog-upload-protocol': 'resumable',
      'x-goog-upload-command': 'start',
      authorization: 'Bearer provider-key',
      'x-request-id': 'req_gateway',
    });
  });

  it('reads header names case-insensitively', () => {
    expect(upstreamRequestHeaders({ 'X-Forwarded-For': '203.0.113.7', 'Anthropic-Beta': 'x' }, {}, 'req_1')).toEqual({
      'anthropic-beta': 'x',
      'x-request-id': 'req_1',
    });
  });
});

describe('clientResponseHeaders', () => {
  it('keeps the provider’s cookies, organisation and request ids to itself', () => {
    const headers = clientResponseHeaders({
      'content-type': 'application/json',
      'retry-after': '3',
      'x-ratelimit-remaining-requests': '9',
      'openai-processing-ms': '12',
      'set-cookie': ['a=1'],
      'openai-organization': 'acme-org',
      'openai-project': 'proj_abc',
      'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
      'x-request-id': 'req_upstream',
      'request-id': 'req_anthropic',
      'apim-request-id': 'azure-id',
      'x-ms-request-id': 'azure-id',
      'cf-ray': '8f00-CDG',
      'x-gateway-request-id': 'spoofed',
    });
    expect(headers).toEqual({
      'content-type': 'application/json',
      'retry-after': '3',
      'x-ratelimit-remaining-requests': '9',
      'openai-processing-ms': '12',
    });
  });
});

describe('providerRequestId', () => {
  it('finds the provider’s id under the names providers use', () => {
    expect(providerRequestId({ 'x-request-id': 'req_openai' })).toBe('req_openai');
    expect(providerRequestId({ 'request-id': 'req_anthropic' })).toBe('req_anthropic');
    expect(providerRequestId({ 'apim-request-id': 'azure' })).toBe('azure');
    expect(providerRequestId({ 'content-type': 'text/plain' })).toBeUndefined();
  });
});
