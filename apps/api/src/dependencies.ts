import type { Bus } from '@gateway/bus';
import type { Environment } from '@gateway/config';
import type { Database, SecretBox } from '@gateway/db';
import type { KeyValueStore } from '@gateway/kv';
import type { AdapterOptions } from '@gateway/providers';
import type { Logger, Metrics, ReadinessChecks } from '@gateway/telemetry';

/** Everything the API needs from outside; main.ts (or the embedded launcher, or a test) provides it. */
export interface ApiDependencies {
  environment: Environment;
  database: Database;
  bus: Bus;
  secretBox: SecretBox;
  logger: Logger;
  metrics: Metrics;
  /** Guards /admin/v1; without it the admin API answers 401 to everyone. */
  masterKey: string | undefined;
  /** Where gateway.yaml came from, for /admin/v1/status. */
  configSource: string;
  readinessChecks: ReadinessChecks;
  /** Redis (or the memory store when embedded): state shared by replicas, such as Idempotency-Key answers. */
  store?: KeyValueStore;
  /** Injected fetch for provider adapters (tests aim them at fake providers). */
  adapterOptions?: AdapterOptions;
}
