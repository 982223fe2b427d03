import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Incoming ids are reused (Kong's correlation-id sets one) only when they are safe to log and echo. */
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`;
}

/** The caller's `x-request-id`, if it is one we can safely reuse. */
function incomingRequestId(request: IncomingMessage): string | undefined {
  const incoming = request.headers['x-request-id'];
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && acceptableRequestId.test(value) ? value : undefined;
}

/** The id logged and echoed in `x-request-id`: the caller's when usable, else a new one. */
export function requestIdFor(request: IncomingMessage): string {
  return incomingRequestId(request) ?? newRequestId();
}
