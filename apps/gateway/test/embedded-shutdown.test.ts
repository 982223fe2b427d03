import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseEnvironment } from '@gateway/config';
import { createDatabase, listUsage } from '@gateway/db';
import { createLogger } from '@gateway/telemetry';
import { startFakeOpenAi, type FakeOpenAi } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeInOrder, startGatewayInProcess } from '../src/embedded.ts';

const providerKey = 'sk-shutdown-test';

function gatewayYaml(fakeUrl: string): string {
  return `providers:
  - name: fake
    type: openai-compatible
    base_url: ${fakeUrl}
    api_key: ${providerKey}
models:
  - name: fast
    targets:
      - { provider: fake, model: gpt-4o-mini }
`;
}

function capturingLogger() {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { logger: createLogger({ service: 'gateway', level: 'info', destination }), text: () => text };
}

describe('embedded gateway shutdown (in-process bus, PGlite)', () => {
  let fake: FakeOpenAi;
  let directory: string;

  beforeAll(async () => {
    fake = await startFakeOpenAi({ apiKey: providerKey });
    directory = await mkdtemp(join(tmpdir(), 'gateway-shutdown-'));
  });
  afterAll(async () => {
    await fake?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('keeps the usage records of requests answered just before close()', { timeout: 120_000 }, async () => {
    const configPath = join(directory, 'gateway.yaml');
    await writeFile(configPath, gatewayYaml(fake.url));
    const dataDir = join(directory, 'data');
    const masterKey = `master-${randomBytes(12).toString('hex')}`;
    // Its own environment: DATABASE_URL, REDIS_URL and NATS_URL left out, so everything is embedded.
    const environment = parseEnvironment({
      PORT: '0',
      HOST: '127.0.0.1',
      GATEWAY_CONFIG: configPath,
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_MASTER_KEY: masterKey,
      ADMIN_ENABLED: 'false',
    });
    const logs = capturingLogger();
    const gateway = await startGatewayInProcess(environment, logs.logger);
    let closed = false;
    try {
      expect(gateway.facts).toContainEqual(['nats', 'in-process bus']);
      const created = await fetch(`${gateway.url}/admin/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'shutdown' }),
      });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };

      const calls = 5;
      const answers = await Promise.all(
        Array.from({ length: calls }, (_, index) =>
          fetch(`${gateway.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: `call ${index}` }] }),
          }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(calls).fill(200));
      await Promise.all(answers.map((answer) => answer.text()));

      // Right away, as on a SIGTERM a few milliseconds after the last answer.
      closed = true;
      await gateway.close();
    } finally {
      if (!closed) await gateway.close();
    }

    expect(logs.text()).not.toMatch(/Dropping durable messages|closing the \w+ failed/);
    const reopened = await createDatabase({ dataDir: join(dataDir, 'pglite') });
    try {
      const page = await listUsage(reopened.db, { limit: 100 });
      expect(page.records).toHaveLength(5);
      expect(page.records.every((record) => record.status === 200 && record.model === 'fast')).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});

describe('closeInOrder', () => {
  it('runs every step in order even after one fails, logs the failure and rejects at the end', async () => {
    const logs = capturingLogger();
    const ran: string[] = [];
    const step = (name: string, fail = false) =>
      [
        name,
        async () => {
          ran.push(name);
          if (fail) throw new Error(`${name} broke`);
        },
      ] as const;

    await expect(closeInOrder(logs.logger, [step('api'), step('ledger', true), step('router'), step('bus', true), step('database')])).rejects.toThrow(
      'closing the gateway failed at: ledger, bus',
    );
    expect(ran).toEqual(['api', 'ledger', 'router', 'bus', 'database']);
    expect(logs.text()).toContain('closing the ledger failed');
    expect(logs.text()).toContain('ledger broke');
    expect(logs.text()).toContain('closing the bus failed');
  });
});
