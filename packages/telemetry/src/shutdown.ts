import type { Logger } from 'pino';
import { shutdownTracing } from './tracing.ts';

/**
 * Graceful stop on SIGTERM/SIGINT: closes each part in the order given (work in progress first,
 * connections last), then flushes traces and exits — 0 if everything closed, 1 otherwise. A part that
 * hangs cannot keep the process alive past `timeoutMs` (Kubernetes would kill it anyway).
 */
export function exitOnSignals(options: {
  logger: Logger;
  service: string;
  steps: ReadonlyArray<readonly [name: string, close: () => Promise<unknown>]>;
  timeoutMs?: number;
}): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    options.logger.info({ signal }, `${options.service} stopping`);
    setTimeout(() => {
      options.logger.error(`${options.service} did not stop in time; exiting`);
      process.exit(1);
    }, options.timeoutMs ?? 20_000).unref();
    let exitCode = 0;
    for (const [name, close] of [...options.steps, ['tracing', shutdownTracing] as const]) {
      try {
        await close();
      } catch (error) {
        exitCode = 1;
        options.logger.error({ err: error }, `closing the ${name} failed`);
      }
    }
    process.exit(exitCode);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
