import { createHash, createHmac } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { bedrockBaseUrl, bedrockRegion, converseUrl } from './api.ts';
import { createRequestAuthenticator } from './signing.ts';
import { createBedrockAdapter } from './adapter.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-0001' };
const signingDate = new Date(Date.UTC(2024, 4, 17, 9, 30, 0));

describe('bedrock request signing', () => {
  it('signs with fixed credentials and date so that an independent verification over the sent path agrees', async () => {
    const url = converseUrl('https://bedrock-runtime.us-east-1.amazonaws.com', 'us.anthropic.claude-3-haiku-20240307-v1:0', 'converse');
    expect(url).toBe('https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    const secrets: string[] = [];
    const authenticator = createRequestAuthenticator(
      { name: 'b', type: 'bedrock', aws: credentials },
      { region: 'us-east-1', secrets, signingDate: () => signingDate },
    );
    const body = '{"messages":[{"role":"user","content":[{"text":"hi"}]}]}';
    const headers = await authenticator.headers(url, { 'content-type': 'application/json' }, body);
    expect(headers['x-amz-date']).toBe('20240517T093000Z');
    expect(headers['x-amz-security-token']).toBe('session-token-0001');
    expect(headers.host).toBe('bedrock-runtime.us-east-1.amazonaws.com');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240517\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    // The verifier recomputes over the path as received: the encoded one, encoded again by the signer.
    const verifier = new SignatureV4({ service: 'bedrock', region: 'us-east-1', credentials, sha256: Sha256 });
    const { authorization, ...signedHeaders } = headers;
    const recomputed = await verifier.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'https:',
        hostname: 'bedrock-runtime.us-east-1.amazonaws.com',
        path: '/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse',
        headers: signedHeaders,
        body,
      }),
      { signingDate },
    );
    expect(recomputed.headers.authorization).toBe(authorization);
    // Another body gives another signature: the bytes sent are what is signed.
    const other = await authenticator.headers(url, { 'content-type': 'application/json' }, `${body} `);
    expect(other.authorization).not.toBe(authorization);
    expect(secrets).toEqual([credentials.secretAccessKey, credentials.sessionToken]);
  });

  it('matches a known answer derived by hand from the SigV4 rules (each path segment encoded twice)', async () => {
    // Derived here with node:crypto from AWS's documented steps for services other than S3, so a
    // mistake in how the path reaches the signer cannot hide behind the signer checking itself.
    const modelId = 'anthropic.claude-3-5-haiku-20241022-v1:0';
    const host = 'bedrock-runtime.us-west-2.amazonaws.com';
    const known = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'FQoGZXIvYXdzEXAMPLETOKEN' };
    const date = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
    const body = '{"messages":[{"role":"user","content":[{"text":"Hello, Claude"}]}],"inferenceConfig":{"maxTokens":64}}';

    const uriEncode = (segment: string): string =>
      [...Buffer.from(segment, 'utf8')]
        .map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
        .join('');
    const segments = ['model', modelId, 'converse'];
    const sentPath = `/${segments.map(uriEncode).join('/')}`;
    const canonicalPath = `/${segments.map((segment) => uriEncode(uriEncode(segment))).join('/')}`;
    expect(sentPath).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(canonicalPath).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse');

    const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
    const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
    const amzDate = '20250102T030405Z';
    const scope = '20250102/us-west-2/bedrock/aws4_request';
    const payloadHash = sha256Hex(body);
    const canonicalHeaders = [
      'content-type:application/json',
      `host:${host}`,
      `x-amz-content-sha256:${payloadHash}`,
      `x-amz-date:${amzDate}`,
      `x-amz-security-token:${known.sessionToken}`,
    ];
    const signedHeaderNames = 'content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token';
    const canonicalRequest = ['POST', canonicalPath, '', ...canonicalHeaders, '', signedHeaderNames, payloadHash].join('\n');
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${known.secretAccessKey}`, '20250102'), 'us-west-2'), 'bedrock'), 'aws4_request');
    const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
    // The value this derivation gives, pinned so that a change to the derivation itself shows too.
    expect(signature).toBe('ef986f6788da493bb2b51f24e40c02c74eab5721845328aed713bd8a79d3d447');
    const expected = `AWS4-HMAC-SHA256 Credential=${known.accessKeyId}/${scope}, SignedHeaders=${signedHeaderNames}, Signature=${signature}`;

    const url = converseUrl(`https://${host}`, modelId, 'converse');
    expect(url).toBe(`https://${host}${sentPath}`);
    const authenticator = createRequestAuthenticator(
      { name: 'b', type: 'bedrock', aws: known },
      { region: 'us-west-2', secrets: [], signingDate: () => date },
    );
    const headers = await authenticator.headers(url, { 'content-type': 'application/json' }, body);
    expect(headers['x-amz-content-sha256']).toBe(payloadHash);
    expect(headers.authorization).toBe(expected);
  });

  it('replaces the secrets of refreshed chain credentials instead of piling them up', async () => {
    const secrets = ['configured-secret'];
    let refresh = 0;
    const authenticator = createRequestAuthenticator(
      { name: 'b', type: 'bedrock' },
      {
        region: 'us-east-1',
        secrets,
        credentialChain: () => async () => {
          refresh += 1;
          // The second refresh keeps the secret key and only renews the session token.
          const secretAccessKey = refresh <= 2 ? 'secret-key-a' : 'secret-key-b';
          return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey, sessionToken: `session-token-${refresh}` };
        },
      },
    );
    const url = 'https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse';
    await authenticator.headers(url, {}, '{}');
    expect(secrets).toEqual(['configured-secret', 'secret-key-a', 'session-token-1']);
    await authenticator.headers(url, {}, '{}');
    expect(secrets).toEqual(['configured-secret', 'secret-key-a', 'session-token-2']);
    await authenticator.headers(url, {}, '{}');
    expect(secrets).toEqual(['configured-secret', 'secret-key-b', 'session-token-3']);
  });

  it('uses a Bedrock API key as a bearer token without signing', async () => {
    const authenticator = createRequestAuthenticator({ name: 'b', type: 'bedrock', apiKey: 'key-1234567890' }, { region: 'us-east-1', secrets: [] });
    const headers = await authenticator.headers('https://x.test/model/m/converse', { 'content-type': 'application/json' }, '{}');
    expect(headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer key-1234567890' });
  });

  it('reports a missing credential chain as a provider error, not a crash', async () => {
    const authenticator = createRequestAuthenticator(
      { name: 'b', type: 'bedrock' },
      {
        region: 'us-east-1',
        secrets: [],
        credentialChain: () => async () => {
          throw new Error('Could not load credentials from any providers');
        },
      },
    );
    await expect(authenticator.headers('https://x.test/model/m/converse', {}, '{}')).rejects.toMatchObject({
      code: 'provider_error',
      message: 'provider b found no AWS credentials',
    });
  });
});

describe('bedrock region and endpoint', () => {
  it('takes the region from settings, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(bedrockRegion({ name: 'b', type: 'bedrock', region: 'eu-west-1' }, { AWS_REGION: 'us-west-2' })).toBe('eu-west-1');
    expect(bedrockRegion({ name: 'b', type: 'bedrock' }, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' })).toBe('us-west-2');
    expect(bedrockRegion({ name: 'b', type: 'bedrock' }, { AWS_DEFAULT_REGION: 'ap-south-1' })).toBe('ap-south-1');
  });

  it('refuses to create an adapter without a region', () => {
    expect(() => createBedrockAdapter({ name: 'b', type: 'bedrock', apiKey: 'k' }, { environment: {} })).toThrow(
      expect.objectContaining({ code: 'invalid_request', param: 'region' }),
    );
  });

  it('calls the regional runtime endpoint unless a base URL is configured', () => {
    expect(bedrockBaseUrl({ name: 'b', type: 'bedrock' }, 'eu-central-1')).toBe('https://bedrock-runtime.eu-central-1.amazonaws.com');
    expect(bedrockBaseUrl({ name: 'b', type: 'bedrock', baseUrl: 'https://vpce-1.example/' }, 'eu-central-1')).toBe('https://vpce-1.example');
  });
});
