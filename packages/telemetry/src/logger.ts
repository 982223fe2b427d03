import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values are secrets wherever they appear in a log object. pino replaces them before
 * serialising, so a secret that slips into a logged object still never reaches the output.
 */
export const redactedPaths = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'key',
  '*.plaintextKey',
  'plaintextKey',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

export interface LoggerSettings {
  service: string;
  level?: string;
  /** Where lines go (default stdout); tests pass a stream to inspect what would be logged. */
  destination?: NodeJS.WritableStream;
}

/**
 * JSON logs with the service name on every line. Request-scoped lines come from child loggers that
 * carry the request id and trace id (the API's request logger).
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: settings.service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
