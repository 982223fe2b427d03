import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/admin: where next.config.mjs and the build output (.next) live. */
export const adminDirectory = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = join(adminDirectory, '..', '..');
/** What the server bundle is made of: the dashboard and the workspace packages it compiles in. */
const buildInputs = ['apps/admin/src', 'apps/admin/next.config.mjs', 'apps/admin/package.json', 'packages/db/src', 'packages/contracts/src', 'packages/config/src', 'packages/providers/src'];
const stampFile = join(adminDirectory, '.next', 'gateway-build-inputs');

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries === undefined) return [path];
  const nested = await Promise.all(entries.filter((entry) => entry.name !== 'node_modules').map((entry) => filesUnder(join(path, entry.name))));
  return nested.flat();
}

/** A hash of every build input's path and content: a build is current when its stamp matches. */
export async function buildInputsHash(): Promise<string> {
  const files = (await Promise.all(buildInputs.map((input) => filesUnder(join(repositoryRoot, input))))).flat().filter((file) => !file.endsWith('.test.ts')).sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(repositoryRoot, file)).update('\0').update(await readFile(file)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds the dashboard (`next build`) unless the build in .next was made from the same sources.
 * Returns whether it built. The build takes a minute or so on two cores; later starts skip it.
 */
export async function ensureAdminBuild(log: (message: string) => void = () => {}, signal?: AbortSignal): Promise<boolean> {
  const inputs = await buildInputsHash();
  const stamp = await readFile(stampFile, 'utf8').catch(() => '');
  if (stamp === inputs) return false;
  log('building the admin dashboard (next build; only when its sources changed)');
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: adminDirectory,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // Also an abort: spawn's signal kills the build and reports an AbortError here.
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit ${code}):\n${output}`))));
  });
  await writeFile(stampFile, inputs);
  return true;
}
