import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, upsertProvider } from '@gateway/db';
import { probeProvider } from '../src/provider-probe.ts';
import { openMigratedDatabase } from './support/database.ts';

/** A stand-in upstream: its answer per path prefix, recording what it was sent. */
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
let upstream: Server;
let base: string;
let closedOrigin: string;
let test: Awaited<ReturnType<typeof openMigratedDatabase>>;
const secretBox = createSecretBox(randomBytes(32).toString('base64'));
const goodKey = 'sk-good-credential-0123456789';
const badKey = 'sk-wrong-credential-9876543210';

describe('probeProvider', () => {
  beforeAll(async () => {
    upstream = createServer((request, response) => {
      seen.push({ url: request.url ?? '', headers: request.headers });
      if (request.url?.startsWith('/hang')) return; // never answers
      const authorization = request.headers.authorization ?? request.headers['x-api-key'] ?? request.headers['api-key'];
      if (authorization === `Bearer ${goodKey}` || authorization === goodKey) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'gpt-4o-mini' }, { id: 'gpt-4o' }] }));
        return;
      }
      // Echoes the credential it got, as some providers do.
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(authorization)}` } }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    test = await openMigratedDatabase('postgres');
    const db = test.database.db;
    await upsertProvider(db, secretBox, { name: 'good', type: 'openai', baseUrl: `${base}/v1`, apiKey: goodKey });
    await upsertProvider(db, secretBox, { name: 'wrong-key', type: 'openai', baseUrl: `${base}/v1`, apiKey: badKey });
    await upsertProvider(db, secretBox, { name: 'claude', type: 'anthropic', baseUrl: base, apiKey: goodKey });
    await upsertProvider(db, secretBox, { name: 'azure', type: 'azure-openai', baseUrl: base, apiKey: goodKey });
    await upsertProvider(db, secretBox, { name: 'azure-preview', type: 'azure-openai', baseUrl: base, apiKey: goodKey, apiVersion: '2025-04-01-preview' });
    await upsertProvider(db, secretBox, { name: 'slow', type: 'openai', baseUrl: `${base}/hang/v1`, apiKey: goodKey });
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedOrigin = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await upsertProvider(db, secretBox, { name: 'closed', type: 'openai', baseUrl: `${closedOrigin}/v1`, apiKey: goodKey });
    await upsertProvider(db, secretBox, { name: 'signed', type: 'bedrock', region: 'us-east-1', aws: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-example' } });
  }, 60_000);

  afterAll(async () => {
    upstream?.closeAllConnections();
    upstream?.close();
    await test?.dispose();
  });

  it('lists the models of an OpenAI-compatible provider with its credential', async () => {
    expect(await probeProvider(test.database, secretBox, 'good')).toEqual({ ok: true, message: 'Connected to good: 2 models listed.' });
    expect(seen.at(-1)).toMatchObject({ url: '/v1/models', headers: { authorization: `Bearer ${goodKey}` } });
  });

  it('speaks each protocol: Anthropic lists under /v1/models with x-api-key', async () => {
    expect(await probeProvider(test.database, secretBox, 'claude')).toMatchObject({ ok: true });
    expect(seen.at(-1)).toMatchObject({ url: '/v1/models', headers: { 'x-api-key': goodKey } });
  });

  it('lists an Azure OpenAI resource’s models with api-key, at the provider’s api-version', async () => {
    expect(await probeProvider(test.database, secretBox, 'azure')).toEqual({ ok: true, message: 'Connected to azure: 2 models listed.' });
    expect(seen.at(-1)).toMatchObject({ url: '/openai/models?api-version=2024-10-21', headers: { 'api-key': goodKey } });
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
    expect(await probeProvider(test.database, secretBox, 'azure-preview')).toMatchObject({ ok: true });
    expect(seen.at(-1)?.url).toBe('/openai/models?api-version=2025-04-01-preview');
  });

  it('shows the provider’s error without the credential it echoed', async () => {
    const result = await probeProvider(test.database, secretBox, 'wrong-key');
    expect(result).toEqual({ ok: false, message: 'wrong-key answered HTTP 401: Incorrect API key provided: Bearer [redacted]' });
    expect(result.message).not.toContain(badKey);
  });

  it('gives up after its timeout, and names an unreachable address', async () => {
    expect(await probeProvider(test.database, secretBox, 'slow', 300)).toEqual({ ok: false, message: `Could not reach slow at ${base}: no answer within 0.3 s` });
    expect(await probeProvider(test.database, secretBox, 'closed')).toEqual({ ok: false, message: `Could not reach closed at ${closedOrigin}: ECONNREFUSED` });
  });

  it('says what it cannot test', async () => {
    expect(await probeProvider(test.database, secretBox, 'signed')).toEqual({ ok: false, message: 'A connection test is not available for bedrock providers yet.' });
    expect(await probeProvider(test.database, secretBox, 'nobody')).toEqual({ ok: false, message: 'No provider named "nobody".' });
  });
});
