import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus, type Bus } from '@gateway/bus';
import { parseEnvironment } from '@gateway/config';
import { routerPlan, usageStream, type Plan, type UsageRecord } from '@gateway/contracts';
import {
  createDatabase,
  createSecretBox,
  databaseUrlWithName,
  dropDatabase,
  ensureDatabaseExists,
  migrateToLatest,
  putCacheSettings,
  upsertGuardrailPolicy,
  upsertProvider,
  type GuardrailPolicyInput,
  type StoredCacheSettings,
  type Database,
} from '@gateway/db';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gateway/kv';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { startFakeAnthropic, startFakeOpenAi, testServiceUrls, uniqueName, type FakeAnthropic, type FakeOpenAi } from '@gateway/testkit';
import { buildApi, type Api } from '../../src/index.ts';

export type Mode = 'embedded' | 'servers';

export const openAiProviderKey = 'sk-openai-provider-key-reliability-0123';
export const anthropicProviderKey = 'sk-ant-provider-key-reliability-0123';

/**
 * The API alone on a bus (in-process, or real NATS) with a database (PGlite, or real Postgres), a store
 * (memory, or real Redis) and two fake providers: `openai` and `claude`. The router is replaced by a
 * stand-in on the bus that answers the plan the test sets, so a test chooses exactly which targets a
 * request gets. Usage records are read from the usage stream, as the ledger would.
 */
export interface RoutedApi {
  mode: Mode;
  url: string;
  api: Api;
  store: KeyValueStore;
  fakeOpenAi: FakeOpenAi;
  fakeAnthropic: FakeAnthropic;
  /** The plan the router stand-in answers for a model. */
  planFor: (model: string) => Plan;
  /** Usage records published so far. */
  records: UsageRecord[];
  /** A new gateway key (its plaintext), with any other admin API key fields (e.g. `log_bodies`). */
  createKey(fields?: Record<string, unknown>): Promise<string>;
  /** Waits until `count` records arrived (every request yields one), then returns them. */
  waitForRecords(count: number): Promise<UsageRecord[]>;
  /**
   * Waits until every one of these requests has its record, then returns their records (in arrival
   * order). An id is the answer's `x-gateway-request-id` or the `x-request-id` the client sent. Records
   * of other requests (a previous test's, arriving late) are never among them.
   */
  recordsFor(ids: ReadonlyArray<string | null>): Promise<UsageRecord[]>;
  close(): Promise<void>;
}

const masterKey = 'master-key-for-reliability-tests';

export interface RoutedApiOptions {
  /** The gateway's cache defaults (as `cache:` in gateway.yaml). No cache service runs on the bus. */
  cacheDefaults?: StoredCacheSettings;
  /** Guardrail policies in the database. No guardrail service runs on the bus. */
  guardrailPolicies?: GuardrailPolicyInput[];
  /** Where the API logs (default: nowhere). */
  logDestination?: NodeJS.WritableStream;
}

export async function startRoutedApi(mode: Mode, options: RoutedApiOptions = {}): Promise<RoutedApi> {
  const directory = await mkdtemp(join(tmpdir(), 'api-reliability-'));
  const urls = testServiceUrls();
  let databaseUrl: string | undefined;
  let database: Database;
  let bus: Bus;
  let store: KeyValueStore;
  if (mode === 'servers') {
    databaseUrl = databaseUrlWithName(urls.databaseUrl, uniqueName('api_reliability'));
    await ensureDatabaseExists(databaseUrl);
    database = await createDatabase({ url: databaseUrl, poolSize: 4 });
    bus = await createBus({ name: 'api-test', natsUrl: urls.natsUrl, namespace: uniqueName('reliability') });
    store = await createRedisStore({ url: urls.redisUrl, keyPrefix: `${uniqueName('reliability')}:` });
  } else {
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    bus = await createBus({ name: 'api-test' });
    store = createMemoryStore();
  }
  await migrateToLatest(database.db);
  const fakeOpenAi = await startFakeOpenAi({ apiKey: openAiProviderKey });
  const fakeAnthropic = await startFakeAnthropic({ apiKey: anthropicProviderKey });
  const secretBox = createSecretBox(Buffer.alloc(32, 9).toString('base64'));
  await upsertProvider(database.db, secretBox, { name: 'openai', type: 'openai', baseUrl: fakeOpenAi.url, apiKey: openAiProviderKey });
  await upsertProvider(database.db, secretBox, { name: 'openai-backup', type: 'openai', baseUrl: fakeOpenAi.url, apiKey: openAiProviderKey });
  await upsertProvider(database.db, secretBox, { name: 'claude', type: 'anthropic', baseUrl: fakeAnthropic.url, apiKey: anthropicProviderKey });
  await upsertProvider(database.db, secretBox, { name: 'claude-backup', type: 'anthropic', baseUrl: fakeAnthropic.url, apiKey: anthropicProviderKey });
  if (options.cacheDefaults) await putCacheSettings(database.db, options.cacheDefaults);
  for (const policy of options.guardrailPolicies ?? []) await upsertGuardrailPolicy(database.db, policy);

  const routed = {
    planFor: (model: string): Plan => ({ model, strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }),
  };
  const router = await bus.serve({
    name: 'router',
    version: '1.0.0',
    endpoints: [{ endpoint: routerPlan, handler: (request: { model: string }) => routed.planFor(request.model) }],
  });
  const records: UsageRecord[] = [];
  await bus.ensureStream(usageStream);
  const consumer = await bus.consumeDurable(usageStream, { durableName: uniqueName('usage_test'), maxWaitMs: 20 }, async (messages) => {
    for (const message of messages) records.push(message.data);
  });

  const api = await buildApi({
    environment: parseEnvironment({}),
    database,
    bus,
    secretBox,
    logger: options.logDestination
      ? createLogger({ service: 'api', level: 'info', destination: options.logDestination })
      : createLogger({ service: 'api', level: 'silent' }),
    metrics: createMetrics({ service: 'api' }),
    masterKey,
    configSource: 'test',
    readinessChecks: { postgres: () => database.ping() },
    store,
  });
  const url = await api.app.listen({ port: 0, host: '127.0.0.1' });

  return {
    mode,
    url,
    api,
    store,
    fakeOpenAi,
    fakeAnthropic,
    get planFor() {
      return routed.planFor;
    },
    set planFor(plan: (model: string) => Plan) {
      routed.planFor = plan;
    },
    records,
    async createKey(fields = {}) {
      const created = await api.app.inject({
        method: 'POST',
        url: '/admin/v1/keys',
        headers: { authorization: `Bearer ${masterKey}` },
        payload: { name: uniqueName('key'), ...fields },
      });
      if (created.statusCode !== 201) throw new Error(`key creation failed: ${created.statusCode} ${created.body}`);
      return (created.json() as { key: string }).key;
    },
    async waitForRecords(count) {
      await api.flushUsage();
      const deadline = Date.now() + 10_000;
      while (records.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} usage records, got ${records.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return records;
    },
    async recordsFor(ids) {
      const wanted = ids.map((id) => {
        if (!id) throw new Error('a request without an id has no record to wait for');
        return id;
      });
      const matches = (record: UsageRecord, id: string) => record.requestId === id || record.clientRequestId === id;
      await api.flushUsage();
      const deadline = Date.now() + 10_000;
      while (!wanted.every((id) => records.some((record) => matches(record, id)))) {
        if (Date.now() > deadline) throw new Error(`expected usage records for ${wanted.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return records.filter((record) => wanted.some((id) => matches(record, id)));
    },
    async close() {
      await api.close();
      await consumer.stop();
      await router.stop();
      await bus.close();
      await store.close();
      await database.close();
      await fakeOpenAi.close();
      await fakeAnthropic.close();
      if (databaseUrl) await dropDatabase(databaseUrl);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
