import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrlWithName, dropDatabase, ensureDatabaseExists } from '@gateway/db';
import { startFakeOpenAi, testServiceUrls, uniqueName, type FakeOpenAi } from '@gateway/testkit';
import { canarySecret, eventually, gatewayYaml } from './harness.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * `npm start` with NATS_URL and DATABASE_URL set: the launcher runs the API, router and ledger as
 * separate processes that only meet through NATS and Postgres.
 */
describe('gateway as separate processes (npm start with servers)', () => {
  let launcher: ChildProcess;
  let output = '';
  let fake: FakeOpenAi;
  let directory: string;
  let databaseUrl: string;
  let namespace: string;
  const ports = { api: 0, router: 0, ledger: 0, cache: 0, guardrail: 0 };
  const masterKey = `master-${randomBytes(8).toString('hex')}`;
  let exitCode: Promise<number | null>;

  beforeAll(async () => {
    const urls = testServiceUrls();
    fake = await startFakeOpenAi({ apiKey: canarySecret });
    directory = await mkdtemp(join(tmpdir(), 'gateway-processes-'));
    await writeFile(join(directory, 'gateway.yaml'), gatewayYaml(fake.url));
    databaseUrl = databaseUrlWithName(urls.databaseUrl, uniqueName('processes'));
    await ensureDatabaseExists(databaseUrl);
    namespace = uniqueName('processes');
    ports.api = await freePort();
    ports.router = await freePort();
    ports.ledger = await freePort();
    ports.cache = await freePort();
    ports.guardrail = await freePort();
    launcher = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../apps/gateway/src/main.ts', import.meta.url))], {
      env: {
        ...process.env,
        PORT: String(ports.api),
        ROUTER_PORT: String(ports.router),
        LEDGER_PORT: String(ports.ledger),
        CACHE_PORT: String(ports.cache),
        GUARDRAIL_PORT: String(ports.guardrail),
        // The dashboard process has its own end-to-end tests (apps/admin/e2e).
        ADMIN_ENABLED: 'false',
        HOST: '127.0.0.1',
        GATEWAY_CONFIG: join(directory, 'gateway.yaml'),
        GATEWAY_DATA_DIR: join(directory, 'data'),
        GATEWAY_MASTER_KEY: masterKey,
        GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        FAKE_PROVIDER_KEY: canarySecret,
        DATABASE_URL: databaseUrl,
        NATS_URL: urls.natsUrl,
        NATS_NAMESPACE: namespace,
        REDIS_URL: urls.redisUrl,
        REDIS_KEY_PREFIX: `${namespace}:`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exitCode = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
    await eventually(async () => {
      if (launcher.exitCode !== null) throw new Error(`launcher exited early:\n${output}`);
      const ready = await Promise.all(
        Object.values(ports).map((port) => fetch(`http://127.0.0.1:${port}/ready`).then((response) => response.ok, () => false)),
      );
      return ready.every(Boolean) ? true : undefined;
    }, 90_000);
  }, 120_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) launcher.kill('SIGKILL');
    await fake?.close();
    if (databaseUrl) await dropDatabase(databaseUrl);
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('serves the OpenAI surface and records usage across processes', async () => {
    const created = await fetch(`http://127.0.0.1:${ports.api}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'processes' }),
    }).then((response) => response.json() as Promise<{ id: string; key: string }>);
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${ports.api}/v1`, apiKey: created.key, maxRetries: 0 });
    const traceId = randomBytes(16).toString('hex');
    const completion = await client.chat.completions.create(
      { model: 'fast', messages: [{ role: 'user', content: 'across processes' }] },
      { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } },
    );
    expect(completion.choices[0]?.message.content).toBe('Echo: across processes');
    // The API continues the caller's trace: its log lines for this request carry the trace id.
    await eventually(async () => (output.includes(`"trace_id":"${traceId}"`) ? true : undefined));
    const line = output.split('\n').find((entry) => entry.includes(`"trace_id":"${traceId}"`) && entry.includes('request completed'));
    expect(line).toContain('"request_id":"');
    const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'streamed' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: streamed');

    const usage = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${ports.api}/admin/v1/usage?key_id=${created.id}`, { headers: { authorization: `Bearer ${masterKey}` } });
      const body = (await response.json()) as { data: Array<{ status: number; provider: string }> };
      return body.data.length === 2 ? body.data : undefined;
    });
    expect(usage.every((record) => record.status === 200 && record.provider === 'fake')).toBe(true);
  });

  it('exposes metrics on every process and the router as a discoverable NATS service', async () => {
    for (const port of Object.values(ports)) {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text());
      expect(metrics).toContain('gateway_requests_total');
    }
    const nats = await connect({ servers: testServiceUrls().natsUrl });
    try {
      // Every router on this NATS server answers; ours is the one serving our namespace's subject.
      const replies = await nats.requestMany('$SRV.INFO.router', '', { maxWait: 1500 });
      const infos: Array<{ name: string; endpoints: Array<{ subject: string }> }> = [];
      for await (const reply of replies) infos.push(reply.json());
      const ours = infos.find((info) => info.endpoints.some((endpoint) => endpoint.subject === `${namespace}.router.v1.plan`));
      expect(ours?.name).toBe('router');
    } finally {
      await nats.close();
    }
  });

  it('stops every process cleanly on SIGTERM', async () => {
    launcher.kill('SIGTERM');
    expect(await exitCode).toBe(0);
    expect(output).not.toContain(canarySecret);
    expect(output).not.toContain(masterKey);
  });
});
