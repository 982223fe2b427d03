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
