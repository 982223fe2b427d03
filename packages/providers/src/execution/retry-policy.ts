import { defaultRetryPolicy, type RetryPolicy } from '@gateway/contracts';
import { ProviderError } from '../errors.ts';

/** The retry policy of a target when the plan gives none: the gateway's defaults (contracts). */
export { defaultRetryPolicy };

/** Refusals of the request itself or of the gateway's credential: retrying the same call cannot help. */
export const neverRetriedStatuses: ReadonlySet<number> = new Set([400, 401, 403, 404, 422]);

export function policyOf(retry: RetryPolicy | undefined): RetryPolicy {
  return retry ?? defaultRetryPolicy;
}

/** The upstream status of a failure, if the upstream answered at all. */
export function upstreamStatusOf(error: unknown): number | undefined {
  return error instanceof ProviderError ? error.upstreamStatus : undefined;
}

/** A timeout or a connection failure: no answer came. */
function noAnswer(error: ProviderError): boolean {
  return error.upstreamStatus === undefined && error.retryable;
}

/**
 * Whether the same target may be called again: a connection failure or timeout always; an upstream
 * status when it is in the policy's `onStatusCodes` (when given; else the provider error's own verdict:
 * 408, 409, 429, 5xx), never 400/401/403/404/422.
 */
export function isRetryable(error: unknown, policy: RetryPolicy): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (noAnswer(error)) return true;
  const status = error.upstreamStatus;
  if (status === undefined || neverRetriedStatuses.has(status)) return false;
  return policy.onStatusCodes.length > 0 ? policy.onStatusCodes.includes(status) : error.retryable;
}

/**
 * Whether the next target may be tried: anything retryable by nature (408, 409, 429, 5xx, connection
 * failures, timeouts), and any status the policy lists in `onStatusCodes` (which may name e.g. 401 to
 * leave a target whose credential was revoked).
 */
export function fallsBack(error: unknown, policy: RetryPolicy): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (error.retryable) return true;
  return error.upstreamStatus !== undefined && policy.onStatusCodes.includes(error.upstreamStatus);
}

/** Full jitter: a random wait in [0, min(maxBackoffMs, initialBackoffMs · 2^retry)), retry counting from 0. */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
