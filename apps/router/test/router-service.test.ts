import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, createNatsBus, type Bus } from '@gateway/bus';
import { configChanged, routerPlan } from '@gateway/contracts';
import { createDatabase, migrateToLatest, upsertModel, upsertProvider, createSecretBox, type Database } from '@gateway/db';
import { createLogger } from '@gateway/telemetry';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRouter } from '../src/index.ts';

const buses: Array<[string, () => Promise<Bus>]> = [
  ['memory', async () => createMemoryBus()],
  ['nats', () => createNatsBus({ url: testServiceUrls().natsUrl, name: 'router-test', namespace: uniqueName('router') })],
];

describe.each(buses)('router service on the %s bus', (_name, createBus) => {
  let bus: Bus;
  let database: Database;
  let directory: string;
  let router: { stop(): Promise<void> };
  const box = createSecretBox(Buffer.alloc(32, 7).toString('base64'));

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'router-test-'));
    database = await createDatabase({ dataDir: directory });
    await migrateToLatest(database.db);
    await upsertProvider(database.db, box, { name: 'p1', type: 'openai', apiKey: 'sk-x' });
    await upsertModel(database.db, { name: 'fast', strategy: 'fallback', targets: [{ provider: 'p1', model: 'gpt-4o-mini' }] });
    bus = await createBus();
    router = await startRouter({ bus, database, logger: createLogger({ service: 'router', level: 'silent' }) });
  });
  afterAll(async () => {
    await router?.stop();
    await bus?.close();
    await database?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('answers plan requests', async () => {
    const plan = await bus.request(routerPlan, { requestId: 'r1', model: 'fast', operation: 'chat', key: { id: 'k' } });
    expect(plan).toEqual({ model: 'fast', strategy: 'fallback', targets: [{ provider: 'p1', model: 'gpt-4o-mini' }] });
  });

  it('sends model_not_found back with its param', async () => {
    await expect(bus.request(routerPlan, { requestId: 'r2', model: 'unknown', operation: 'chat', key: { id: 'k' } })).rejects.toMatchObject({
      code: 'model_not_found',
      param: 'model',
      source: 'router',
    });
  });

  it('picks up a model added after start once the change is announced', async () => {
    await upsertModel(database.db, { name: 'later', strategy: 'single', targets: [{ provider: 'p1', model: 'gpt-4o' }] });
    bus.publish(configChanged, { entity: 'model', id: 'later', action: 'created' });
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const plan = await bus.request(routerPlan, { requestId: 'r3', model: 'later', operation: 'chat', key: { id: 'k' } });
        expect(plan.targets).toEqual([{ provider: 'p1', model: 'gpt-4o' }]);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
});
