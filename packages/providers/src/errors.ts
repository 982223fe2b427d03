import { GatewayError, type ErrorCode } from '@gateway/contracts';
import { isTimeoutReason } from './abort.ts';

/**
 * Every upstream failure becomes a ProviderError: a GatewayError whose source is `provider:<name>`,
 * whose message names the provider and the status, and which never holds a secret or a raw upstream
 * body. The upstream `error.message`, scrubbed and cut short, is kept in `upstreamMessage` for logs;
 * it reaches the client only when the provider refused the request as the client's mistake (400, 404,
 * 413, 422), where it says what to fix. A provider's 5xx or credential failure can describe its own
 * internals (hosts, connection strings), so its public message stays "provider <name> failed (<status>)"
 * and the detail goes to `cause`, which the root error handler logs.
 */

/**
 * Refusals another deployment may not repeat: the input does not fit the model's context window, or the
 * provider's content policy blocked it. The executor switches to the plan's dedicated fallbacks on them.
 */
export type ProviderErrorKind = 'context_window' | 'content_policy';

export interface ProviderErrorOptions {
  provider: string;
  /** Whether another target (or a later retry) may succeed where this attempt failed. */
  retryable: boolean;
  /** The HTTP status the provider answered, if it answered at all. */
  upstreamStatus?: number;
  /** How long the provider asked us to wait (`retry-after-ms` / `Retry-After`). */
  retryAfterMs?: number;
  param?: string | null;
  /** The provider's own message, scrubbed and cut short (`safeUpstreamMessage`): for logs. */
  upstreamMessage?: string;
  kind?: ProviderErrorKind;
  cause?: unknown;
}

export class ProviderError extends GatewayError {
  readonly provider: string;
  readonly retryable: boolean;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly upstreamMessage: string | undefined;
  readonly kind: ProviderErrorKind | undefined;

  constructor(code: ErrorCode, message: string, options: ProviderErrorOptions) {
    super(code, message, {
      source: `provider:${options.provider}`,
      param: options.param ?? null,
      retryAfterSeconds: options.retryAfterMs === undefined ? undefined : Math.ceil(options.retryAfterMs / 1000),
      cause: options.cause,
    });
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.retryable = options.retryable;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.upstreamMessage = options.upstreamMessage;
    this.kind = options.kind;
  }
}

export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}

const maxMessageLength = 300;

/** `scheme://user:password@` (or `scheme://token@`): the credentials go, the scheme and host stay. */
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]+@/gi;

/** Shapes of secrets that providers echo back in messages (sometimes masked, e.g. `sk-abc***wxyz`). */
const secretPatterns: RegExp[] = [
  /\b(?:Bearer|Basic)\s+[^\s"',]+/gi,
  /\b(?:sk|pk|rk)-[A-Za-z0-9_*-]{6,}/g,
  /\bgsk_[A-Za-z0-9*]{8,}/g,
  /\bxai-[A-Za-z0-9*]{8,}/g,
  /\bfw_[A-Za-z0-9*]{8,}/g,
  /\bAIza[0-9A-Za-z_*-]{16,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\borg-[A-Za-z0-9]{8,}/g,
  // `api_key=…`, `x-api-key: …`, `aws_secret_access_key = …`: a name ending in one of these words, then
  // `:` or `=`. (`max_tokens: 5` survives: the word must end right before the separator.)
  /\b([A-Za-z0-9_-]*?(?:api[-_]?key|key|token|secret|password|passwd|authorization))(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
  // An AWS secret access key: 40 characters of base64 with upper case, lower case and digits.
  /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[0-9])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  // A run of 16 or more letters and digits mixing both (`abcd1234efgh5678`): a key, whatever it is
  // called. Words have no digits, and model names are broken up by hyphens, dots and slashes.
  /(?<![A-Za-z0-9])(?=[A-Za-z]*[0-9])(?=[0-9]*[A-Za-z])[A-Za-z0-9]{16,}/g,
  // Long unbroken tokens such as Azure's 32-hex and Together's 64-hex keys. Hyphens, dots and slashes
  // break a run so that long model names and paths in messages survive.
  /[A-Za-z0-9_+=*]{32,}/g,
];

/**
 * Removes the given secrets and anything shaped like a key, a bearer token or credentials in a URL.
 * Meant for text that may be shown or logged; it cannot recognise every secret, so text known to hold
 * internals (a provider's 5xx message) is still kept out of public messages. `keep` exempts values the
 * caller knows are not secrets; the given `secrets` are removed whatever it says.
 */
export function scrubSecrets(text: string, secrets: readonly string[] = [], keep?: (value: string) => boolean): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('[redacted]');
  }
  scrubbed = scrubbed.replace(urlCredentials, '$1***@');
  for (const pattern of secretPatterns) {
    scrubbed = scrubbed.replace(pattern, (match, name: unknown, separator: unknown) => {
      const named = typeof name === 'string' && typeof separator === 'string';
      // A value the caller vouches for (an id the client itself sent, say) is left as it is.
      if (keep?.(named ? match.slice(name.length + separator.length) : match)) return match;
      return named ? `${name}${separator}[redacted]` : '[redacted]';
    });
  }
  return scrubbed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Messages of validation error lists (`[{ msg }]`, as FastAPI-based providers such as Mistral send). */
function detailMessages(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (!Array.isArray(detail)) return undefined;
  const messages = detail
    .filter(isRecord)
    .map((item) => {
      const location = Array.isArray(item.loc) ? item.loc.filter((part) => part !== 'body').join('.') : '';
      return typeof item.msg === 'string' ? (location ? `${location}: ${item.msg}` : item.msg) : undefined;
    })
    .filter((message): message is string => message !== undefined);
  return messages.length > 0 ? messages.join('; ') : undefined;
}

function messageOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return undefined;
  return messageOf(value.message) ?? detailMessages(value.detail);
}

/**
 * The human message in an upstream error body, if it has one: `error.message` (OpenAI, Azure),
 * `error` as a string, `message` or `detail` at the top (Mistral, vLLM, FastAPI). Never the raw body.
 */
export function upstreamErrorMessage(bodyText: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (Array.isArray(body)) body = body[0];
  if (!isRecord(body)) return undefined;
  return (isRecord(body.error) ? messageOf(body.error) : undefined) ?? messageOf(body.error) ?? messageOf(body);
}

/** A safe fragment of an upstream message: scrubbed first (so a cut cannot leave half a key), then cut. */
export function safeUpstreamMessage(message: string | undefined, secrets: readonly string[]): string | undefined {
  if (message === undefined) return undefined;
  const scrubbed = scrubSecrets(message.slice(0, 4000), secrets).replace(/\s+/g, ' ').trim();
  if (scrubbed.length === 0) return undefined;
  return scrubbed.length > maxMessageLength ? `${scrubbed.slice(0, maxMessageLength - 1)}…` : scrubbed;
}

/** Response headers as WHATWG `Headers` or as undici's `request()` gives them (lower-case names). */
export type ResponseHeaders = Headers | Record<string, string | string[] | undefined>;

function headerValue(headers: ResponseHeaders, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  const value = headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `retry-after-ms` (OpenAI) wins over `Retry-After` (seconds or an HTTP date). */
export function retryAfterMsFrom(headers: ResponseHeaders, now: number = Date.now()): number | undefined {
  const milliseconds = headerValue(headers, 'retry-after-ms');
  if (milliseconds !== null) {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const retryAfter = headerValue(headers, 'retry-after');
  if (retryAfter === null) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface UpstreamFailureContext {
  provider: string;
  /** Values that must never appear in a message: the API key, configured header values. */
  secrets: readonly string[];
}

function withDetail(message: string, detail: string | undefined): string {
  return detail ? `${message}: ${detail}` : message;
}

/**
 * Options that keep a provider's message out of the public one: in `upstreamMessage` and, as an Error,
 * in `cause`, which is what the root error handler logs for a 5xx.
 */
export function withheldUpstreamMessage(
  provider: string,
  upstreamMessage: string | undefined,
): Pick<ProviderErrorOptions, 'upstreamMessage' | 'cause'> {
  if (upstreamMessage === undefined) return {};
  return { upstreamMessage, cause: new Error(`provider ${provider} said: ${upstreamMessage}`) };
}

/** `error.code`, `error.type` and Azure's `error.innererror.code` of an upstream error body, lower-cased. */
function errorCodesOf(bodyText: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return [];
  }
  if (Array.isArray(body)) body = body[0];
  if (!isRecord(body)) return [];
  const error = isRecord(body.error) ? body.error : body;
  const inner = isRecord(error.innererror) ? error.innererror : {};
  return [error.code, error.type, error.status, inner.code, body.code, body.type]
    .filter((value): value is string => typeof value === 'string')
    .map((value) => value.toLowerCase());
}

const contextWindowCodes = new Set(['context_length_exceeded', 'string_above_max_length']);
const contentPolicyCodes = new Set(['content_filter', 'content_policy_violation', 'responsibleaipolicyviolation']);
/**
 * How providers word an input that does not fit: OpenAI and the OpenAI-compatible servers (vLLM,
 * DeepSeek, Mistral), Anthropic ("prompt is too long", "input length and `max_tokens` exceed context
 * limit"), Gemini ("input token count … exceeds the maximum number of tokens"), Bedrock
 * (ValidationException "Input is too long for requested model", "too many input tokens").
 */
const contextWindowWords =
  /maximum context length|context (?:length|window|limit)|prompt is too long|input is too long|too many (?:input )?tokens|exceeds? the maximum (?:number of )?tokens|input token count .* exceeds|reduce the length of the (?:messages|prompt)/i;
/** OpenAI's and Azure's content management policy, Anthropic's output filter, safety-system refusals. */
const contentPolicyWords = /content (?:management |filtering )?policy|content filter|safety system|flagged as potentially violating/i;

/**
 * Whether a refused request is a context-window overflow or a content-policy block, from the provider's
 * error code first and its message second. Only refusals of the request itself (400, 413, 422) are
 * looked at: a 5xx or 429 never is one.
 */
export function refusalKind(status: number, bodyText: string, message: string | undefined): ProviderErrorKind | undefined {
  if (![400, 413, 422].includes(status)) return undefined;
  const codes = errorCodesOf(bodyText);
  if (codes.some((code) => contextWindowCodes.has(code))) return 'context_window';
  if (codes.some((code) => contentPolicyCodes.has(code))) return 'content_policy';
  const text = message ?? upstreamErrorMessage(bodyText) ?? '';
  if (contextWindowWords.test(text)) return 'context_window';
  if (contentPolicyWords.test(text)) return 'content_policy';
  return undefined;
}

/** Maps an upstream answer with a non-2xx status. */
export function providerErrorFromStatus(
  context: UpstreamFailureContext,
  status: number,
  headers: ResponseHeaders,
  bodyText: string,
): ProviderError {
  const { provider } = context;
  const detail = safeUpstreamMessage(upstreamErrorMessage(bodyText), context.secrets);
  const retryAfterMs = retryAfterMsFrom(headers);
  const kind = refusalKind(status, bodyText, upstreamErrorMessage(bodyText));
  const answered = {
    provider,
    upstreamStatus: status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(kind === undefined ? {} : { kind }),
  };
  // The client's mistake: the provider's words tell them what to fix, so they are shown.
  const shown = { ...answered, ...(detail !== undefined && { upstreamMessage: detail }) };
  // Anything else is for operators: the words go to logs only.
  const base = { ...answered, ...withheldUpstreamMessage(provider, detail) };
  if (status === 400 || status === 404 || status === 422) {
    return new ProviderError('invalid_request', withDetail(`provider ${provider} rejected the request (${status})`, detail), {
      ...shown,
      retryable: false,
    });
  }
  if (status === 401 || status === 403) {
    return new ProviderError('provider_error', `provider ${provider} rejected the gateway's credentials (${status})`, {
      ...base,
      retryable: false,
    });
  }
  if (status === 408) {
    return new ProviderError('provider_timeout', `provider ${provider} timed out (408)`, { ...base, retryable: true });
  }
  if (status === 413) {
    return new ProviderError('request_too_large', withDetail(`provider ${provider} found the request too large (413)`, detail), {
      ...shown,
      retryable: false,
    });
  }
  if (status === 429) {
    return new ProviderError('rate_limited', `provider ${provider} is rate limiting the gateway (429)`, { ...base, retryable: true });
  }
  if (status >= 500 || status === 409) {
    return new ProviderError('provider_error', `provider ${provider} failed (${status})`, {
      ...base,
      retryable: true,
    });
  }
  // Other 4xx (402 payment required, 405, 410…) concern the gateway's account or configuration.
  return new ProviderError('provider_error', `provider ${provider} answered with status ${status}`, {
    ...base,
    retryable: false,
  });
}

const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** The system or undici error code of a network failure (WHATWG fetch wraps it in `cause`). */
function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isRecord(current); depth += 1) {
    if (typeof current.code === 'string') return current.code;
    if (Array.isArray(current.errors) && isRecord(current.errors[0]) && typeof current.errors[0].code === 'string') {
      return current.errors[0].code;
    }
    current = current.cause;
  }
  return undefined;
}

function isNetworkFailure(error: unknown): boolean {
  if (networkErrorCode(error) !== undefined) return true;
  return error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated');
}

/**
 * Maps what a fetch or a body read threw. A timeout (our `TimeoutError` reason, or undici's own
 * timeouts) becomes provider_timeout; a connection failure (refused, reset, DNS, cut) becomes
 * provider_unavailable. When the caller's own signal aborted, its reason is returned unchanged: a
 * cancellation is not a provider failure. Anything else is returned as it is (a bug, not a provider's
 * fault), for the executor to report as internal.
 */
export function providerErrorFromException(
  context: UpstreamFailureContext,
  error: unknown,
  signal: AbortSignal | undefined,
  phase: 'connect' | 'read' = 'connect',
): unknown {
  if (error instanceof ProviderError) return error;
  const { provider } = context;
  if (signal?.aborted) {
    if (!isTimeoutReason(signal.reason)) return signal.reason;
    return new ProviderError('provider_timeout', `provider ${provider} did not answer in time`, {
      provider,
      retryable: true,
    });
  }
  if (isTimeoutReason(error)) {
    return new ProviderError('provider_timeout', `provider ${provider} did not answer in time`, { provider, retryable: true });
  }
  if (!isNetworkFailure(error)) return error;
  const code = networkErrorCode(error);
  if (code !== undefined && timeoutCodes.has(code)) {
    return new ProviderError('provider_timeout', `provider ${provider} timed out (${code})`, {
      provider,
      retryable: true,
      cause: error,
    });
  }
  const what =
    phase === 'read' ? `the connection to provider ${provider} broke off` : `provider ${provider} is unreachable`;
  return new ProviderError('provider_unavailable', code ? `${what} (${code})` : what, {
    provider,
    retryable: true,
    cause: error,
  });
}

/** What must never appear in a message for these settings: the key and the configured header values. */
export function settingsSecrets(settings: { apiKey?: string; headers?: Record<string, string> }): string[] {
  return [settings.apiKey, ...Object.values(settings.headers ?? {})].filter(
    (value): value is string => typeof value === 'string' && value.length >= 8,
  );
}
