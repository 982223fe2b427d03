import type { ErrorCode } from '@gateway/contracts';

/**
 * The provider's refusals that tell the client what to fix in its own request: their answers go to the
 * client (scrubbed of anything key-shaped). Any other error answer is withheld and replaced by the
 * gateway's error: a 401 or 403 means the gateway's credential failed, a 5xx can describe the
 * provider's internals, and other 4xx (402, 405, 410…) concern the operator's account.
 */
const clientMistakeStatuses = new Set([400, 404, 409, 413, 422, 429]);

export function passesThrough(status: number): boolean {
  return clientMistakeStatuses.has(status);
}

/**
 * The error code of a pass-through answer with an error status: on the usage record, and, for a
 * withheld answer, on the gateway's error the client gets instead (its HTTP status is the code's).
 */
export function errorCodeForUpstreamStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limited';
    case 408:
    case 504:
      return 'provider_timeout';
    case 503:
    case 529:
      return 'provider_unavailable';
    default:
      return 'provider_error';
  }
}
