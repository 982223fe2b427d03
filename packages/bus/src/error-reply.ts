import { GatewayError, isErrorCode, isGatewayError, natsErrorCodeByCode } from '@gateway/contracts';
import type { ErrorCode, ErrorSource } from '@gateway/contracts';

/** What crosses the bus when a handler fails: enough to rebuild the GatewayError on the caller's side. */
export interface ErrorReply {
  code: ErrorCode;
  message: string;
  source: ErrorSource;
  /** The request field the error is about (OpenAI's `param`). */
  param?: string | null;
  retryAfterSeconds?: number;
}

const fixedSources: readonly string[] = ['gateway', 'router', 'guardrail', 'ledger', 'bus', 'database'] satisfies ErrorSource[];

/** Reads a source from the wire; an unknown one (a service newer than this caller) becomes `fallback`. */
export function toErrorSource(value: string | undefined, fallback: ErrorSource): ErrorSource {
  if (value === undefined) return fallback;
  if (fixedSources.includes(value)) return value as ErrorSource;
  if (value.startsWith('provider:')) return value as `provider:${string}`;
  return fallback;
}

/**
 * A GatewayError keeps its code, message and source: its message is public by contract. Anything
 * else is a bug or an unexpected failure whose message may hold internals, so it becomes a generic
 * `internal_error`; the caller logs the real error before replying.
 */
export function toErrorReply(error: unknown, fallback: { source: ErrorSource; message: string }): ErrorReply {
  if (isGatewayError(error)) {
    return {
      code: error.code,
      message: error.message,
      source: error.source,
      param: error.param,
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  }
  return { code: 'internal_error', message: fallback.message, source: fallback.source };
}

export function fromErrorReply(reply: ErrorReply): GatewayError {
  return new GatewayError(reply.code, reply.message, {
    source: reply.source,
    param: reply.param ?? null,
    ...(reply.retryAfterSeconds !== undefined ? { retryAfterSeconds: reply.retryAfterSeconds } : {}),
  });
}

/** The number sent in `Nats-Service-Error-Code` (HTTP-like, from the contracts' closed map). */
export function natsErrorCode(code: ErrorCode): number {
  return natsErrorCodeByCode[code];
}

export function readErrorCode(value: string | undefined): ErrorCode | undefined {
  return isErrorCode(value) ? value : undefined;
}

export function serviceFailedMessage(service: string): string {
  return `The ${service} service failed`;
}
