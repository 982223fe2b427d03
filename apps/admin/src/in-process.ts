import type { Bus } from '@gateway/bus';
import type { Environment } from '@gateway/config';
import type { Database, SecretBox } from '@gateway/db';
import type { Logger } from '@gateway/telemetry';
import { parseAdminEnvironment } from './config.ts';
import { resolveFirstAdmin } from './first-admin.ts';
import { startAdminServer, type RunningAdmin } from './server.ts';
import { adminSettingsFrom } from './settings.ts';

/**
 * The dashboard in a process that already holds the database, the bus and the secret box: the
 * all-in-one gateway (embedded: PGlite and the in-process bus are only reachable from inside it) and
 * the dashboard's own process alike. Reads ADMIN_* and GATEWAY_ADMIN_* from the environment.
 */
export async function startAdminInProcess(options: {
  environment: Environment;
  database: Database;
  bus: Bus;
  secretBox: SecretBox;
  /** Where gateway.yaml came from, shown beside the entities it defines. */
  configSource: string;
  logger: Logger;
  /** Embedded mode: without GATEWAY_ADMIN_*, a first admin with a password file in the data directory. */
  embedded: boolean;
  /** Return once the port listens; build and prepare in the background (see AdminServerOptions). */
  background?: boolean;
  source?: Readonly<Record<string, string | undefined>>;
}): Promise<RunningAdmin & { users: string }> {
  const adminEnvironment = parseAdminEnvironment(options.source ?? process.env);
  const firstAdmin = await resolveFirstAdmin(adminEnvironment, { embedded: options.embedded, dataDir: options.environment.GATEWAY_DATA_DIR });
  const admin = await startAdminServer({
    database: options.database,
    bus: options.bus,
    secretBox: options.secretBox,
    settings: adminSettingsFrom(adminEnvironment, options.configSource),
    port: adminEnvironment.ADMIN_PORT,
    host: adminEnvironment.ADMIN_HOST,
    logger: options.logger,
    firstAdmin: firstAdmin.credentials,
    ...(options.background ? { background: true } : {}),
  });
  // For the start-up banner: who can sign in, never a password.
  const users = admin.firstAdmin === 'created' ? `first admin created (${firstAdmin.origin})` : admin.firstAdmin === 'users exist' ? `sign in as an existing user (first admin: ${firstAdmin.origin})` : admin.firstAdmin;
  return Object.assign(admin, { users });
}
