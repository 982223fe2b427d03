import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { createBus, type Bus } from '@gateway/bus';
import { parseEnvironment } from '@gateway/config';
import { configChanged, type ConfigChanged } from '@gateway/contracts';
import {
  createDatabase,
  createSecretBox,
  databaseUrlWithName,
  dropDatabase,
  ensureDatabaseExists,
  migrateToLatest,
  upsertProvider,
  type Database,
} from '@gateway/db';
import { createLogger, createMetrics } from '@gateway/telemetry';
import { testServiceUrls, uniqueName } from '@gateway/testkit';
import { buildApi, type Api } from '../../src/index.ts';

export type Mode = 'embedded' | 'servers';

export const adminTestMasterKey = 'master-key-for-admin-api-tests';
export const adminTestSecretBox = createSecretBox(Buffer.alloc(32, 5).toString('base64'));

/** A model body on the `openai` provider every admin API test has. */
export const testModel = (name: string, extra: Record<string, unknown> = {}) => ({ name, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }], ...extra });

export interface AdminApi {
  api: Api;
  database: Database;
  bus: Bus;
  /** Config-changed events seen on the bus since the last `reset`. */
  events: ConfigChanged[];
  /** An admin API call with the master key. */
  admin(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** Empties these tables and the events seen. */
  reset(tables: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The API alone for admin API tests: PGlite with the in-process bus (embedded), or a database of its own
 * on the real Postgres with NATS (servers); one provider `openai`; config-changed events recorded.
 */
export async function startAdminApi(mode: Mode, name: string): Promise<AdminApi> {
  const directory = await mkdtemp(join(tmpdir(), `api-${name}-`));
  let databaseUrl: string | undefined;
  let database: Database;
  let bus: Bus;
  if (mode === 'servers') {
    const urls = testServiceUrls();
    databaseUrl = databaseUrlWithName(urls.databaseUrl, uniqueName(`api_${name}`));
    await ensureDatabaseExists(databaseUrl);
    database = await createDatabase({ url: databaseUrl, poolSize: 4 });
    bus = await createBus({ name: 'api-test', natsUrl: urls.natsUrl, namespace: uniqueName(name) });
  } else {
    database = await createDatabase({ dataDir: join(directory, 'pglite') });
    bus = await createBus({ name: 'api-test' });
  }
  await migrateToLatest(database.db);
  await upsertProvider(database.db, adminTestSecretBox, { name: 'openai', type: 'openai', apiKey: 'sk-test-provider-key' });
  const events: ConfigChanged[] = [];
  bus.subscribe(configChanged, (event) => void events.push(event));
  const api = await buildApi({
    environment: parseEnvironment({}),
    database,
    bus,
    secretBox: adminTestSecretBox,
    logger: createLogger({ service: 'api', level: 'silent' }),
    metrics: createMetrics({ service: 'api' }),
    masterKey: adminTestMasterKey,
    configSource: 'test',
    readinessChecks: { postgres: () => database.ping() },
  });
  return {
    api,
    database,
    bus,
    events,
    admin: (method, url, payload) =>
      api.app.inject({ method, url: `/admin/v1${url}`, headers: { authorization: `Bearer ${adminTestMasterKey}` }, ...(payload !== undefined ? { payload: payload as object } : {}) }),
    async reset(tables) {
      events.length = 0;
      await sql.raw(`truncate ${tables.join(', ')}`).execute(database.db);
    },
    async close() {
      await api.close();
      await bus.close();
      await database.close();
      if (databaseUrl) await dropDatabase(databaseUrl);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
