import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const localKeyFileName = 'encryption.key';

/**
 * The encryption key for embedded mode, where no GATEWAY_ENCRYPTION_KEY is set: read from
 * `<dataDir>/encryption.key`, or created there (owner-only, mode 0600) on first start. It lives beside
 * the PGlite data it protects; losing it makes the stored provider secrets unreadable.
 * Returns the key as base64, ready for `createSecretBox`.
 */
export async function loadOrCreateLocalKey(dataDir: string): Promise<string> {
  const path = join(dataDir, localKeyFileName);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  try {
    // `wx` fails if another process created the file meanwhile; then that one's key is the key.
    await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(path, 'utf8')).trim();
    throw error;
  }
  await chmod(path, 0o600);
  return key;
}
