import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAdminEnvironment } from './config.ts';
import { resolveFirstAdmin } from './first-admin.ts';

describe('resolveFirstAdmin', () => {
  const directories: string[] = [];
  afterEach(async () => {
    await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
  });
  const dataDir = async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gateway-admin-first-'));
    directories.push(directory);
    return directory;
  };

  it('takes the environment when both variables are set', async () => {
    const environment = parseAdminEnvironment({ GATEWAY_ADMIN_EMAIL: 'ops@example.com', GATEWAY_ADMIN_PASSWORD: 'a long password' });
    expect(await resolveFirstAdmin(environment, { embedded: true, dataDir: await dataDir() })).toEqual({
      credentials: { email: 'ops@example.com', password: 'a long password' },
      origin: 'GATEWAY_ADMIN_EMAIL',
    });
  });

  it('creates a password file once in embedded mode, readable only by its owner', async () => {
    const directory = await dataDir();
    const first = await resolveFirstAdmin(parseAdminEnvironment({}), { embedded: true, dataDir: directory });
    const again = await resolveFirstAdmin(parseAdminEnvironment({}), { embedded: true, dataDir: directory });
    expect(first.credentials?.email).toBe('admin@localhost');
    expect(first.credentials?.password).toHaveLength(24);
    expect(again.credentials).toEqual(first.credentials);
    expect((await readFile(join(directory, 'admin-password'), 'utf8')).trim()).toBe(first.credentials?.password);
    expect((await stat(join(directory, 'admin-password'))).mode & 0o777).toBe(0o600);
    expect(first.origin).not.toContain(first.credentials?.password ?? '');
  });

  it('creates nobody outside embedded mode without the variables', async () => {
    expect((await resolveFirstAdmin(parseAdminEnvironment({}), { embedded: false, dataDir: await dataDir() })).credentials).toBeUndefined();
  });
});
