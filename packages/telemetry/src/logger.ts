import { pino, type Logger, type LoggerOptions } from 'pino';
import { trace } from '@opentelemetry/api';

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
 * JSON logs with the service name on every line and the active trace id (when a span is active).
 * The request id is added by child loggers (Fastify's request logger, bus handlers).
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: settings.service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
