import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateLocalKey } from './local-encryption-key.ts';
import { createSecretBox } from './secret-box.ts';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('loadOrCreateLocalKey', () => {
  it('creates an owner-only key file once and reads the same key afterwards', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gateway-key-'));
    directories.push(root);
    const dataDir = join(root, 'nested', 'data');
    const created = await loadOrCreateLocalKey(dataDir);
    expect(() => createSecretBox(created)).not.toThrow();
    expect((await stat(join(dataDir, 'encryption.key'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dataDir, 'encryption.key'), 'utf8')).trim()).toBe(created);
    expect(await loadOrCreateLocalKey(dataDir)).toBe(created);
  });

  it('gives every concurrent caller the same key', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-key-'));
    directories.push(dataDir);
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateLocalKey(dataDir)));
    expect(new Set(keys).size).toBe(1);
  });
});
