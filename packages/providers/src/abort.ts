/**
 * Timeouts abort with a `TimeoutError` reason (as `AbortSignal.timeout` does), so an adapter can tell
 * a timeout (→ provider_timeout) from the caller giving up (→ the caller's own reason, rethrown).
 */
export function timeoutReason(timeoutMs: number): DOMException {
  return new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError');
}

export function isTimeoutReason(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
}
