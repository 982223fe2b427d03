import { adminHost } from '../host.ts';
import { operatorMessage } from './errors.ts';
import { refused, type ActionState } from './forms/action-state.ts';

/**
 * What a form shows when its change threw: the message of a gateway error meant for the operator (see
 * `operatorMessage`), else a generic sentence, the error itself going to the server log (its message
 * may hold internals: SQL, hosts, upstream answers).
 */
export function refusedAfterError(error: unknown, action: string, failed: string): ActionState {
  const message = operatorMessage(error);
  if (message !== undefined) return refused(message);
  adminHost().logger.error({ err: error, action }, 'a dashboard action failed');
  return refused(`${failed} An error on the server stopped it; the dashboard's log has the details.`);
}
