import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, type Bus } from '@gateway/bus';
import { parseEnvironment } from '@gateway/config';
import { createDatabase, createSecretBox, migrateToLatest, type Database } from '@gateway/db';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { routerPing } from '@gateway/contracts';
import { buildApi, type Api } from '../src/index.ts';

/** The API with no router on its bus: what a client and an operator see when a service is down. */
describe('API with the router down', () => {
  let directory: string;
  let database: Database;
  let bus: Bus;
  let api: Api;
  const masterKey = 'master-key-for-this-test-only';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'api-router-down-'));
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    await migrateToLatest(database.db);
    bus = createMemoryBus();
    api = await buildApi({
      environment: parseEnvironment({}),
      database,
      bus,
      secretBox: createSecretBox(Buffer.alloc(32, 3).toString('base64')),
      logger: createLogger({ service: 'api', level: 'silent' }),
      metrics: createMetrics({ service: 'api' }),
      masterKey,
      configSource: 'test',
      readinessChecks: {
        postgres: () => database.ping(),
        router: async () => void (await bus.request(routerPing, {}, { timeoutMs: 200 })),
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await bus?.close();
    await database?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('answers 503 dependency_unavailable in the OpenAI shape, naming the part that failed', async () => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: { authorization: `Bearer ${masterKey}` },
      payload: { name: 'router down' },
    });
    expect(created.statusCode).toBe(201);
    const response = await api.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${created.json().key}` },
      payload: { model: 'fast', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      error: { code: 'dependency_unavailable', type: 'api_error', source: 'bus', request_id: response.headers['x-request-id'] },
    });
  });

  it('reports not ready, saying which dependency is down but not why', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ ready: false, dependencies: { postgres: 'up', router: 'down' } });
  });
});
