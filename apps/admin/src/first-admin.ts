import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AdminEnvironment } from './config.ts';

export const localAdminEmail = 'admin@localhost';
export const localAdminPasswordFile = 'admin-password';

/**
 * The first dashboard admin: from GATEWAY_ADMIN_EMAIL / GATEWAY_ADMIN_PASSWORD; in embedded mode
 * without them, `admin@localhost` with a password created once in `<data dir>/admin-password`
 * (mode 0600), like the master key: only the file's path is ever printed, never the password.
 * It is used only while the database has no dashboard user (see ensureFirstAdmin).
 */
export async function resolveFirstAdmin(
  environment: AdminEnvironment,
  options: { embedded: boolean; dataDir: string },
): Promise<{ credentials: { email: string; password: string } | undefined; origin: string }> {
  if (environment.GATEWAY_ADMIN_EMAIL && environment.GATEWAY_ADMIN_PASSWORD) {
    return { credentials: { email: environment.GATEWAY_ADMIN_EMAIL, password: environment.GATEWAY_ADMIN_PASSWORD }, origin: 'GATEWAY_ADMIN_EMAIL' };
  }
  if (!options.embedded) return { credentials: undefined, origin: 'unset (GATEWAY_ADMIN_EMAIL and GATEWAY_ADMIN_PASSWORD)' };
  const dataDir = resolve(options.dataDir);
  const path = join(dataDir, localAdminPasswordFile);
  const read = async () => ({ credentials: { email: localAdminEmail, password: (await readFile(path, 'utf8')).trim() }, origin: `${localAdminEmail}, password in ${path}` });
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(path, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(path, 0o600);
  return read();
}
