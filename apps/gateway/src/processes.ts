import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@gateway/telemetry';

const services = {
  api: '../../api/src/main.ts',
  router: '../../router/src/main.ts',
  ledger: '../../ledger/src/main.ts',
  cache: '../../cache/src/main.ts',
  guardrail: '../../guardrail/src/main.ts',
  admin: '../../admin/src/main.ts',
} as const;

/**
 * Runs each service as its own process (NATS and Postgres configured): the same entry points as
 * `npm run start:<service>`. If one exits, the others are stopped and the launcher exits with an error,
 * so a supervisor (systemd, compose) sees the failure instead of a half-working gateway.
 */
export function startServiceProcesses(logger: Logger, options: { admin: boolean }): { stop(signal: NodeJS.Signals): void } {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
  };
  for (const [name, entry] of Object.entries(services)) {
    if (name === 'admin' && !options.admin) continue;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(entry, import.meta.url))], {
      stdio: 'inherit',
      env: process.env,
    });
    children.set(name, child);
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (!stopping) {
        logger.error({ process: name, code, signal }, 'service process exited; stopping the others');
        process.exitCode = 1;
        stop('SIGTERM');
      }
      if (children.size === 0) process.exit(process.exitCode ?? 0);
    });
  }
  return { stop };
}
