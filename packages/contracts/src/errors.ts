/**
 * The closed set of error codes. Every failure that reaches a client or crosses the bus carries one.
 * Adding a code forces an entry in both maps below (the `satisfies Record<...>` makes a missing one a
 * compile error), so a new code cannot be forgotten in the HTTP or NATS mapping.
 */
export const errorCodes = [
  'invalid_request',
  'invalid_api_key',
  'model_not_allowed',
  'model_not_found',
  'not_found',
  'conflict',
  'request_too_large',
  'guardrail_denied',
  'rate_limited',
  'provider_error',
  'provider_timeout',
  'provider_unavailable',
  'dependency_unavailable',
  'request_cancelled',
  'internal_error',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Which part of the gateway failed; shown to clients so they know where to look. */
export type ErrorSource = 'gateway' | 'router' | 'guardrail' | 'ledger' | 'bus' | 'database' | `provider:${string}`;

export const httpStatusByCode = {
  invalid_request: 400,
  invalid_api_key: 401,
  model_not_allowed: 403,
  model_not_found: 404,
  not_found: 404,
  conflict: 409,
  request_too_large: 413,
  /** A guardrail policy's check refused the request (the message names the policy and check, never what it found). */
  guardrail_denied: 400,
  rate_limited: 429,
  provider_error: 502,
  provider_timeout: 504,
  provider_unavailable: 503,
  dependency_unavailable: 503,
  /** The client went away before the answer was complete (nginx's 499); only ever recorded, never sent. */
  request_cancelled: 499,
  internal_error: 500,
} as const satisfies Record<ErrorCode, number>;

/** OpenAI's `error.type` for each code; the Anthropic surface maps the same codes to its own types. */
export const openAiErrorTypeByCode = {
  invalid_request: 'invalid_request_error',
  invalid_api_key: 'authentication_error',
  model_not_allowed: 'permission_error',
  model_not_found: 'not_found_error',
  not_found: 'not_found_error',
  conflict: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  guardrail_denied: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  provider_error: 'api_error',
  provider_timeout: 'timeout_error',
  provider_unavailable: 'api_error',
  dependency_unavailable: 'api_error',
  request_cancelled: 'invalid_request_error',
  internal_error: 'api_error',
} as const satisfies Record<ErrorCode, string>;

/** Anthropic's `error.type` for each code, for the Anthropic surface (`/v1/messages`). */
export const anthropicErrorTypeByCode = {
  invalid_request: 'invalid_request_error',
  invalid_api_key: 'authentication_error',
  model_not_allowed: 'permission_error',
  model_not_found: 'not_found_error',
  not_found: 'not_found_error',
  conflict: 'invalid_request_error',
  request_too_large: 'request_too_large',
  guardrail_denied: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  provider_error: 'api_error',
  provider_timeout: 'timeout_error',
  provider_unavailable: 'overloaded_error',
  dependency_unavailable: 'api_error',
  request_cancelled: 'invalid_request_error',
  internal_error: 'api_error',
} as const satisfies Record<ErrorCode, string>;

/** NATS service error codes (sent in the `Nats-Service-Error-Code` header): HTTP-like numbers. */
export const natsErrorCodeByCode = httpStatusByCode;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

export interface GatewayErrorOptions {
  source?: ErrorSource;
  param?: string | null;
  /** Seconds a client should wait before retrying (sets `Retry-After`). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * An error with a public message. The message must be safe to show a client: never a secret, never a
 * raw upstream body. Internal details go in `cause`, which is logged (redacted) but never returned.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly source: ErrorSource;
  readonly param: string | null;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.source = options.source ?? 'gateway';
    this.param = options.param ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return httpStatusByCode[this.code];
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}
