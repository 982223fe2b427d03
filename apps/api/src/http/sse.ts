import type { ServerResponse } from 'node:http';

/** Writes Server-Sent Events to a raw response, respecting back-pressure. */
export class SseWriter {
  constructor(private readonly response: ServerResponse) {}

  open(headers: Record<string, string>): void {
    this.response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-style proxies (and Kong with buffering off) not to hold chunks back.
      'x-accel-buffering': 'no',
    });
    this.response.flushHeaders();
  }

  get closed(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  /** Sends `data: <json>\n\n` (an optional `event:` line first); resolves when the socket can take more. */
  async send(data: unknown, event?: string): Promise<void> {
    if (this.closed) return;
    const text = `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    if (!this.response.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.response.off('drain', done);
          this.response.off('close', done);
          resolve();
        };
        this.response.once('drain', done);
        this.response.once('close', done);
      });
    }
  }

  end(): void {
    if (!this.closed) this.response.end();
  }
}
