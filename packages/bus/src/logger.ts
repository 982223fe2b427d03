/**
 * The few logger methods the bus needs; a pino logger fits as it is. The bus logs what it drops or
 * fails on (invalid events, failed handlers, connection changes), never payloads or server URLs,
 * which may carry credentials.
 */
export interface BusLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/** Used when no logger is given: failures still reach stderr instead of vanishing. */
export const consoleLogger: BusLogger = {
  info: () => {},
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

/** What to log about an error: its name and message, not its whole object graph. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { message: String(error) };
}
