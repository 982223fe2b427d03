import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { configChanged, routerPing } from '@gateway/contracts';
import type { KeyValueStore } from '@gateway/kv';
import type { ReadinessChecks } from '@gateway/telemetry';
import type { Bus } from '@gateway/bus';
import { awsCredentials } from './config-cache/aws-credentials.ts';
import type { Environment, GatewayConfig } from '@gateway/config';
import {
  createSecretBox,
  loadOrCreateLocalKey,
  migrateToLatest,
  reconcileFileConfig,
  type Database,
  type ReconcileOutcome,
  type SecretBox,
} from '@gateway/db';

export const masterKeyFileName = 'master.key';

/**
 * The secret box for provider credentials. With a shared Postgres every replica must use the same key,
 * so GATEWAY_ENCRYPTION_KEY is then required; the embedded database keeps its own key file beside it.
 */
export async function resolveSecretBox(environment: Environment): Promise<{ box: SecretBox; origin: string }> {
  if (environment.GATEWAY_ENCRYPTION_KEY) {
    return { box: createSecretBox(environment.GATEWAY_ENCRYPTION_KEY), origin: 'GATEWAY_ENCRYPTION_KEY' };
  }
  if (environment.DATABASE_URL) {
    throw new Error('GATEWAY_ENCRYPTION_KEY is required with DATABASE_URL (32 bytes, base64 or hex: `openssl rand -base64 32`)');
  }
  const dataDir = resolve(environment.GATEWAY_DATA_DIR);
  return { box: createSecretBox(await loadOrCreateLocalKey(dataDir)), origin: join(dataDir, 'encryption.key') };
}

/**
 * The master key for /admin/v1. From GATEWAY_MASTER_KEY; in embedded mode without it, one is created
 * once in `<data dir>/master.key` (mode 0600) and only its path is printed, never the key.
 */
export async function resolveMasterKey(environment: Environment, embedded: boolean): Promise<{ key: string | undefined; origin: string }> {
  if (environment.GATEWAY_MASTER_KEY) {
    if (environment.GATEWAY_MASTER_KEY.length < 16) {
      throw new Error('GATEWAY_MASTER_KEY must be at least 16 characters (e.g. `openssl rand -base64 24`)');
    }
    return { key: environment.GATEWAY_MASTER_KEY, origin: 'GATEWAY_MASTER_KEY' };
  }
  if (!embedded) return { key: undefined, origin: 'unset: the admin API is disabled (set GATEWAY_MASTER_KEY)' };
  const dataDir = resolve(environment.GATEWAY_DATA_DIR);
  const path = join(dataDir, masterKeyFileName);
  try {
    return { key: (await readFile(path, 'utf8')).trim(), origin: path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = `gw-master-${randomBytes(24).toString('base64url')}`;
  try {
    await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: (await readFile(path, 'utf8')).trim(), origin: path };
    throw error;
  }
  await chmod(path, 0o600);
  return { key, origin: `${path} (created)` };
}

/**
 * What the API's /ready checks: the database, the bus, that a router answers, and Redis when one is
 * configured. The same for the API process and the all-in-one gateway.
 */
export function apiReadinessChecks(options: { database: Database; bus: Bus; store?: KeyValueStore }): ReadinessChecks {
  const { database, bus, store } = options;
  return {
    postgres: () => database.ping(),
    nats: () => bus.ping(),
    router: async () => void (await bus.request(routerPing, {}, { timeoutMs: 1000 })),
    ...(store ? { redis: () => store.ping() } : {}),
  };
}

/** Migrates, then makes the database match gateway.yaml, then tells every service to reload. */
export async function prepareDatabase(options: {
  database: Database;
  secretBox: SecretBox;
  config: GatewayConfig;
  bus: Bus;
}): Promise<{ migrations: string[]; reconciled: ReconcileOutcome }> {
  const { executed } = await migrateToLatest(options.database.db);
  const reconciled = await reconcileFileConfig(options.database.db, options.secretBox, {
    providers: options.config.providers.map((provider) => ({
      name: provider.name,
      type: provider.type,
      baseUrl: provider.base_url ?? null,
      apiKey: provider.api_key ?? null,
      apiVersion: provider.api_version ?? null,
      headers: provider.headers ?? null,
      timeoutMs: provider.timeout_ms ?? null,
      region: provider.region ?? null,
      aws: awsCredentials(provider),
    })),
    models: options.config.models.map(({ name, strategy, targets, price, cache, guardrails, ...routing }) => ({
      name,
      strategy: strategy ?? 'loadbalance',
      targets,
      price: price ? { inputPerMillion: price.input_per_million, outputPerMillion: price.output_per_million } : null,
      routing,
      cache: cache ?? null,
      guardrails: guardrails ?? null,
    })),
    cache: options.config.cache ?? null,
    guardrails: (options.config.guardrails ?? []).map((policy) => ({ name: policy.name, checks: policy.checks, onError: policy.on_error })),
  });
  options.bus.publish(configChanged, { entity: 'all', action: 'updated' });
  return { migrations: executed, reconciled };
}

