import { GatewayError } from '@gateway/contracts';
import type { Endpoint, RequestOf, ResponseOf } from '@gateway/contracts';
import { decodeJson, encodeJson } from './codec.ts';
import { describeIssues } from './schema-issues.ts';
import { outgoingContext } from './trace-context.ts';
import type { MessageContext, RequestOptions } from './types.ts';

export const defaultRequestTimeoutMs = 5000;

export interface PreparedRequest {
  data: Uint8Array;
  context: MessageContext;
  timeoutMs: number;
}

/** The caller's half of a request, the same for both buses: validate, encode, attach trace context. */
export function prepareRequest<E extends Endpoint>(
  endpoint: E,
  request: RequestOf<E>,
  options: RequestOptions = {},
): PreparedRequest {
  const parsed = endpoint.request.safeParse(request);
  if (!parsed.success) {
    throw new GatewayError(
      'invalid_request',
      `Invalid ${endpoint.subject} request: ${describeIssues(parsed.error.issues)}`,
      { source: 'bus' },
    );
  }
  return {
    data: encodeJson(parsed.data),
    context: outgoingContext(options.context),
    timeoutMs: options.timeoutMs ?? defaultRequestTimeoutMs,
  };
}

/** Decodes a successful reply; one that breaks the contract is the service's bug, not the caller's. */
export function readReply<E extends Endpoint>(endpoint: E, data: Uint8Array): ResponseOf<E> {
  let decoded: unknown;
  try {
    decoded = decodeJson(data);
  } catch (error) {
    throw invalidReplyError(endpoint, error);
  }
  const parsed = endpoint.response.safeParse(decoded);
  if (!parsed.success) throw invalidReplyError(endpoint, parsed.error);
  // The endpoint's own schema produced it; TypeScript cannot follow the generic through safeParse.
  return parsed.data as ResponseOf<E>;
}

/** No responder, a timeout or a lost connection: to the caller, all mean the service is not there. */
export function notAnsweredError(endpoint: Endpoint, cause?: unknown): GatewayError {
  return new GatewayError('dependency_unavailable', `The ${endpoint.service} service did not answer`, {
    source: 'bus',
    cause,
  });
}

function invalidReplyError(endpoint: Endpoint, cause: unknown): GatewayError {
  return new GatewayError('internal_error', `The ${endpoint.service} service sent an invalid reply`, {
    source: 'bus',
    cause,
  });
}
