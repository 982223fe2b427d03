import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startFakeProviderChild, startNodeChild, stopAllChildren, waitForOk } from './children.ts';

export interface GatewayChild {
  /** `http://127.0.0.1:<api port>`. */
  origin: string;
  /** Ops ports of the service processes (services mode), by service. */
  ports: { api: number; router: number; ledger: number; cache: number; guardrail: number };
  /** Headers of /v1 calls with a fresh gateway key. */
  headers: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The fake provider (answering after `latencyMs`) and the gateway (`npm start`'s launcher) as child
 * processes, embedded or as services on DATABASE_URL, REDIS_URL and NATS_URL (a database, NATS
 * namespace and Redis prefix of their own, removed by `stop`), with `gatewayYaml(fakeUrl)` as config
 * and a gateway key created. `root` is the repository.
 */
export async function startGatewayChild(options: {
  root: string;
  mode: 'embedded' | 'servers';
  latencyMs: number;
  gatewayYaml: (fakeUrl: string) => string;
  log: (message: string) => void;
}): Promise<GatewayChild> {
  const { root, mode, log } = options;
  const directory = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'NATS_URL', 'NATS_NAMESPACE', 'GATEWAY_ENCRYPTION_KEY', 'NODE_OPTIONS']) delete baseEnv[name];
  const { url: fakeUrl, key: fakeKey } = await startFakeProviderChild(root, baseEnv, options.latencyMs);
  const configPath = join(directory, 'gateway.yaml');
  writeFileSync(configPath, options.gatewayYaml(fakeUrl));
  const masterKey = `master-${randomBytes(16).toString('hex')}`;
  const ports = { api: await freePort(), router: await freePort(), ledger: await freePort(), cache: await freePort(), guardrail: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    PORT: String(ports.api),
    ROUTER_PORT: String(ports.router),
    LEDGER_PORT: String(ports.ledger),
    CACHE_PORT: String(ports.cache),
    GUARDRAIL_PORT: String(ports.guardrail),
    HOST: '127.0.0.1',
    GATEWAY_CONFIG: configPath,
    GATEWAY_DATA_DIR: join(directory, 'data'),
    GATEWAY_MASTER_KEY: masterKey,
    FAKE_PROVIDER_KEY: fakeKey,
    LOG_LEVEL: 'warn',
    ADMIN_ENABLED: 'false',
  };
  let databaseUrl: string | undefined;
  if (mode === 'servers') {
    const { DATABASE_URL, REDIS_URL, NATS_URL } = process.env;
    if (!DATABASE_URL || !REDIS_URL || !NATS_URL) throw new Error('--servers needs DATABASE_URL, REDIS_URL and NATS_URL');
    const { databaseUrlWithName, ensureDatabaseExists } = await import('@gateway/db');
    const name = `bench_${process.pid}_${Date.now().toString(36)}`;
    databaseUrl = databaseUrlWithName(DATABASE_URL, name);
    await ensureDatabaseExists(databaseUrl);
    Object.assign(env, {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      NATS_URL,
      NATS_NAMESPACE: name,
      REDIS_KEY_PREFIX: `${name}:`,
      GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
  }
  log(`starting the gateway (${mode}) …`);
  const gateway = startNodeChild('gateway', join(root, 'apps/gateway/src/main.ts'), env, root);
  const origin = `http://127.0.0.1:${ports.api}`;
  await waitForOk(`${origin}/ready`, gateway, 120_000);
  if (mode === 'servers') {
    for (const port of [ports.cache, ports.guardrail]) await waitForOk(`http://127.0.0.1:${port}/ready`, gateway, 60_000);
  }
  const created = await fetch(`${origin}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  const { key } = (await created.json()) as { key: string };
  return {
    origin,
    ports,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    async stop() {
      await stopAllChildren();
      if (databaseUrl) {
        const { dropDatabase } = await import('@gateway/db');
        await dropDatabase(databaseUrl);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
