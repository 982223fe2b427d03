import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isAlive, processTree } from './proc.ts';

/**
 * Child processes of the benchmark (the fake provider, the gateway), started with `node --import tsx`,
 * their output kept (the last 64 KiB) for error messages, and stopped — with everything they started —
 * when the benchmark ends, also on error or Ctrl-C.
 */

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** The last 64 KiB the process wrote to stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string | null>;
}

const children: Child[] = [];
const keptOutput = 64 * 1024;

export function startNodeChild(name: string, entry: string, env: NodeJS.ProcessEnv, cwd: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  let text = '';
  const keep = (chunk: Buffer): void => {
    text += chunk.toString();
    if (text.length > keptOutput) text = text.slice(-keptOutput);
  };
  // Always drained: a full pipe would block the child.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const handle: Child = { name, process: child, pid: child.pid, output: () => text, exited };
  children.push(handle);
  return handle;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `url` until it answers 2xx; fails when the time is up or `child` exits first. */
export async function waitForOk(url: string, child: Child, timeoutMs: number, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited before ${url} was ready:\n${child.output()}`);
    }
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (last: ${last}):\n${child.output()}`);
}

/**
 * Stops every child: SIGTERM to each (so a profiled process can write its profile and the launcher can
 * stop its services), up to `graceMs` to exit, then SIGKILL to whatever of its tree is still alive.
 */
export async function stopAllChildren(graceMs = 10_000): Promise<void> {
  const stopping = children.splice(0).reverse();
  await Promise.all(
    stopping.map(async (child) => {
      const tree = processTree(child.pid);
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
      await Promise.race([child.exited, sleep(graceMs)]);
      // Services the launcher started get a moment to follow it.
      const deadline = Date.now() + 2000;
      while (tree.some(isAlive) && Date.now() < deadline) await sleep(100);
      for (const pid of tree) {
        if (!isAlive(pid)) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }),
  );
}

/** Last resort on process exit: synchronous SIGKILL of every child still registered. */
export function killAllChildrenNow(): void {
  for (const child of children) {
    for (const pid of processTree(child.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * The fake OpenAI-compatible provider as a child process on a free port, answering after `latencyMs`;
 * resolves once it answers `/models`. `root` is the repository, `env` what the child inherits.
 */
export async function startFakeProviderChild(root: string, env: NodeJS.ProcessEnv, latencyMs: number): Promise<{ child: Child; url: string; key: string }> {
  const port = await freePort();
  const key = `sk-bench-${randomBytes(12).toString('hex')}`;
  const child = startNodeChild(
    'fake provider',
    join(root, 'packages/testkit/src/fake-provider-cli.ts'),
    { ...env, FAKE_PROVIDER_PORT: String(port), FAKE_PROVIDER_LATENCY_MS: String(latencyMs), FAKE_PROVIDER_KEY: key },
    root,
  );
  const url = `http://127.0.0.1:${port}/v1`;
  await waitForOk(`${url}/models`, child, 60_000, { authorization: `Bearer ${key}` });
  return { child, url, key };
}
