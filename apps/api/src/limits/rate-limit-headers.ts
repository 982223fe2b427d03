/** One limit as the RateLimit header fields describe it. */
export interface Quota {
  limit: number;
  remaining: number;
  /** Seconds until the quota renews. */
  resetSeconds: number;
}

/**
 * The RateLimit header fields of draft-ietf-httpapi-ratelimit-headers (the widely deployed separate-field
 * form: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` in delta seconds), describing one
 * quota: the tightest of the request's limits.
 */
export function rateLimitHeaders(quota: Quota): Record<string, string> {
  return {
    'ratelimit-limit': String(Math.max(0, Math.floor(quota.limit))),
    'ratelimit-remaining': String(Math.max(0, Math.floor(quota.remaining))),
    'ratelimit-reset': String(Math.max(0, Math.ceil(quota.resetSeconds))),
  };
}
