/**
 * The `code` of a GatewayError. Read from the object rather than with `instanceof`: the bus and the
 * database handles come from the dashboard's server process, whose copy of @gateway/contracts is not
 * the one compiled into the Next.js bundle.
 */
export function gatewayErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== 'GatewayError') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Gateway error codes whose message is written for the operator: it says what to change. */
const operatorCodes: ReadonlySet<string> = new Set(['conflict', 'not_found', 'invalid_request']);

/**
 * The message of a gateway error meant for the operator (a conflict such as an entity of gateway.yaml or
 * one still in use, something not found, an invalid value), ending with a full stop; undefined for any
 * other error, whose message may hold internals (SQL, hosts, upstream answers) and is for the server log.
 */
export function operatorMessage(error: unknown): string | undefined {
  const code = gatewayErrorCode(error);
  if (code === undefined || !operatorCodes.has(code)) return undefined;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== 'string' || message === '') return undefined;
  return /[.!?]$/.test(message) ? message : `${message}.`;
}
