import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Incoming ids are reused (Kong's correlation-id sets one) only when they are safe to log and echo. */
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && acceptableRequestId.test(value) ? value : `req_${randomUUID().replaceAll('-', '')}`;
}
