import { routerHealth } from '@gateway/contracts';
import { adminHost } from '../../host.ts';
import { gatewayErrorCode } from '../errors.ts';
import { liveState, type LiveState } from './deployment-health.ts';

/** The page waits this long for a router: a snapshot is one read of the shared state there. */
export const routerHealthTimeoutMs = 1000;

/** Asks a router on the bus for the deployments' live state (`router.v1.health`); never throws, the page shows what went wrong. */
export async function readLiveState(): Promise<LiveState> {
  try {
    return liveState(await adminHost().bus.request(routerHealth, {}, { timeoutMs: routerHealthTimeoutMs }));
  } catch (error) {
    // The bus says dependency_unavailable when nobody answered; a router that answered with an error says so itself.
    if (gatewayErrorCode(error) === 'dependency_unavailable' && (error as { source?: unknown }).source === 'bus') return liveState('unreachable');
    adminHost().logger.warn({ err: error }, 'the router did not report the deployments’ live state');
    return liveState('unavailable');
  }
}
