import type { Logger } from '@gateway/telemetry';

/** Logs a failure at most once per interval, with how many were not logged: an outage must not flood the logs. */
export class ThrottledWarning {
  private last = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) {
      this.suppressed += 1;
      return;
    }
    this.logger.warn({ ...fields, suppressed: this.suppressed }, message);
    this.last = now;
    this.suppressed = 0;
  }
}
