/** Header names used on HTTP and in NATS message headers. */
export const headerNames = {
  requestId: 'x-request-id',
  /** The gateway's own unique id of a /v1 request (its usage record's key). */
  gatewayRequestId: 'x-gateway-request-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  overheadMs: 'x-gateway-overhead-ms',
  target: 'x-gateway-target',
  attempts: 'x-gateway-attempts',
  /** What the provider could not do of what the request asked (JSON array of warnings). */
  warnings: 'x-gateway-warnings',
  /** `true`: answer 400 instead of dropping or approximating what the provider cannot do. */
  strict: 'x-gateway-strict',
  /** The caller's deadline for the whole request, in ms. */
  timeoutMs: 'x-gateway-timeout-ms',
  /** An inline routing config (JSON), as far as the key allows. */
  config: 'x-gateway-config',
  /** JSON object of the caller's metadata, for conditional routing and analytics. */
  metadata: 'x-gateway-metadata',
  /** A repeated request with the same key within the window replays the first answer. */
  idempotencyKey: 'idempotency-key',
  /** `true` on an answer replayed for a repeated Idempotency-Key. */
  idempotentReplay: 'x-gateway-idempotent-replay',
  /** `off` turns continuation failover off for one stream. */
  continuation: 'x-gateway-continuation',
  /**
   * On a request: `no-cache` (neither read nor write the cache), `no-store` (read, do not write) or
   * `force-refresh` (ask the provider, replace the entry). On an answer: `HIT`, `SEMANTIC_HIT`, `MISS`,
   * `REFRESH` or `BYPASS`.
   */
  cache: 'x-gateway-cache',
  /** On a semantic hit: the similarity (0..1) of the prompt that matched. */
  cacheSimilarity: 'x-gateway-cache-similarity',
  /** On a cache hit: when the replayed answer was stored (ISO 8601). */
  cacheStoredAt: 'x-gateway-cache-stored-at',
  /** Comma-separated guardrail policy names a request adds to its key's and model's, within its key's rights. */
  guardrails: 'x-gateway-guardrails',
  /** NATS micro error reply headers. */
  serviceError: 'Nats-Service-Error',
  serviceErrorCode: 'Nats-Service-Error-Code',
  /** Our error code from the closed set, so callers can rebuild a GatewayError. */
  gatewayErrorCode: 'Gateway-Error-Code',
  gatewayErrorSource: 'Gateway-Error-Source',
  /** The request field the error is about, when there is one. */
  gatewayErrorParam: 'Gateway-Error-Param',
  gatewayErrorRetryAfter: 'Gateway-Error-Retry-After',
  /** JetStream de-duplication. */
  natsMessageId: 'Nats-Msg-Id',
} as const;
