import { describeError } from './logger.ts';
import type { BusLogger } from './logger.ts';
import { runInMessageContext } from './trace-context.ts';
import type { MessageContext } from './types.ts';

/** Runs an event handler in the event's trace context; its failure is logged, as no one awaits it. */
export function runEventHandler(
  run: () => void | Promise<void>,
  context: MessageContext,
  subject: string,
  logger: BusLogger,
): void {
  const report = (error: unknown) =>
    logger.error({ subject, requestId: context.requestId, error: describeError(error) }, 'Event handler failed');
  try {
    const result = runInMessageContext(context, run);
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}
