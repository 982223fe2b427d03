import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { startGatewayInProcess, type RunningGateway } from '@gateway/app-gateway';
import { parseEnvironment } from '@gateway/config';
import { databaseUrlWithName, dropDatabase, ensureDatabaseExists } from '@gateway/db';
import { createLogger } from '@gateway/telemetry';
import { startFakeOpenAi, testServiceUrls, uniqueName, type FakeOpenAi } from '@gateway/testkit';

export type Mode = 'embedded' | 'servers';

/** Present in every provider credential of the harness: it must never show up outside the provider call. */
export const canarySecret = 'sk-canary-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4';

export interface Harness {
  mode: Mode;
  gateway: RunningGateway;
  /** OpenAI base URL of the gateway (`…/v1`). */
  baseUrl: string;
  fake: FakeOpenAi;
  masterKey: string;
  /** Everything the gateway logged, as text. */
  logs(): string;
  admin<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
  createKey(body?: Record<string, unknown>): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

/** More providers and models for a harness (YAML list items, indented as under `providers:`/`models:`). */
export interface ExtraConfig {
  providers?: string;
  models?: string;
  /** Top-level sections after `models:` (e.g. `cache:`), as YAML at column 0. */
  top?: string;
  /** Serve the admin dashboard too (its ADMIN_* and GATEWAY_ADMIN_* settings come from process.env). */
  dashboard?: boolean;
}

export function gatewayYaml(fakeUrl: string, extra: ExtraConfig = {}): string {
  return `providers:
${extra.providers ?? ''}
  - name: fake
    type: openai-compatible
    base_url: ${fakeUrl}
    api_key: \${FAKE_PROVIDER_KEY}
    timeout_ms: 2000
  - name: fake-backup
    type: openai-compatible
    base_url: ${fakeUrl}
    api_key: \${FAKE_PROVIDER_KEY}
models:
  - name: fast
    targets:
      - { provider: fake, model: gpt-4o-mini, weight: 1 }
  - name: priced
    strategy: fallback
    targets:
      - { provider: fake, model: custom-model }
    price: { input_per_million: 1000000, output_per_million: 2000000 }
  - name: embed
    targets:
      - { provider: fake, model: text-embedding-3-small }
  - name: resilient
    strategy: fallback
    retry: { attempts: 0 }
    targets:
      - { provider: fake, model: primary-model }
      - { provider: fake-backup, model: backup-model }
${extra.models ?? ''}
${extra.top ?? ''}`;
}

/**
 * Starts a fake OpenAI-compatible provider and the whole gateway in this process, either embedded
 * (PGlite, in-process bus, memory store) or on the machine's real Postgres, NATS and Redis (a fresh
 * database and NATS namespace per harness, so runs never see each other).
 */
export async function startHarness(mode: Mode, extra: ExtraConfig = {}): Promise<Harness> {
  const fake = await startFakeOpenAi({ apiKey: canarySecret });
  const directory = await mkdtemp(join(tmpdir(), 'gateway-e2e-'));
  const configPath = join(directory, 'gateway.yaml');
  await writeFile(configPath, gatewayYaml(fake.url, extra));
  const masterKey = `master-${randomBytes(12).toString('hex')}`;
  process.env.FAKE_PROVIDER_KEY = canarySecret;

  let databaseUrl: string | undefined;
  const variables: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    GATEWAY_CONFIG: configPath,
    GATEWAY_DATA_DIR: join(directory, 'data'),
    GATEWAY_MASTER_KEY: masterKey,
    // The tests check what the cache does, not how fast: a slow lookup on a busy machine must not bypass it.
    GATEWAY_CACHE_LOOKUP_TIMEOUT_MS: '5000',
    // The dashboard has its own end-to-end tests (apps/admin/e2e); test/e2e/dashboard.test.ts turns it on.
    ADMIN_ENABLED: extra.dashboard ? 'true' : 'false',
  };
  if (mode === 'servers') {
    const urls = testServiceUrls();
    databaseUrl = databaseUrlWithName(urls.databaseUrl, uniqueName('e2e'));
    await ensureDatabaseExists(databaseUrl);
    Object.assign(variables, {
      DATABASE_URL: databaseUrl,
      NATS_URL: urls.natsUrl,
      NATS_NAMESPACE: uniqueName('e2e'),
      // Deployment health, limits and idempotency live in Redis: each harness has its own keys.
      REDIS_KEY_PREFIX: `${uniqueName('e2e')}:`,
      REDIS_URL: urls.redisUrl,
      GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
  }
  let logText = '';
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logText += chunk.toString();
      callback();
    },
  });
  const logger = createLogger({ service: 'gateway', level: 'debug', destination });
  const gateway = await startGatewayInProcess(parseEnvironment(variables), logger);
  const baseUrl = `${gateway.url}/v1`;

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  return {
    mode,
    gateway,
    baseUrl,
    fake,
    masterKey,
    logs: () => logText,
    admin,
    async createKey(body = {}) {
      const created = await admin('POST', '/keys', { name: 'test key', ...body });
      if (created.status !== 201) throw new Error(`key creation failed: ${created.status} ${JSON.stringify(created.body)}`);
      return created.body as { id: string; key: string };
    },
    async close() {
      await gateway.close();
      await fake.close();
      if (databaseUrl) await dropDatabase(databaseUrl);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
