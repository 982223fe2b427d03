/**
 * Google answers a wrong API key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID), which would read as
 * the client's mistake and show Google's words; it is the gateway's credential that failed, so it is
 * mapped as a 401 would be. Only the body's `error.details[].reason` is read, never echoed.
 */
export function geminiFailureStatus(status: number, bodyText: string): number {
  return status === 400 && isInvalidApiKey(bodyText) ? 401 : status;
}

function isInvalidApiKey(bodyText: string): boolean {
  try {
    const body = JSON.parse(bodyText) as { error?: { details?: Array<{ reason?: unknown }> } };
    return (body.error?.details ?? []).some((detail) => detail.reason === 'API_KEY_INVALID');
  } catch {
    return false;
  }
}
