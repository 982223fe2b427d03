import type { ErrorCode } from '@gateway/contracts';

/**
 * The error code a pass-through record carries for a provider's error status (the answer itself goes
 * to the client unchanged). A 401 or 403 means the gateway's credential for the provider failed, so it
 * is the provider's failure from the client's point of view, not the client's mistake.
 */
export function errorCodeForUpstreamStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
    case 403:
      return 'provider_error';
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
      return status >= 500 ? 'provider_error' : 'invalid_request';
  }
}
