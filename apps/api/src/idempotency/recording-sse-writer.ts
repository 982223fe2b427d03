import type { ServerResponse } from 'node:http';
import { SseWriter } from '../http/sse.ts';
import type { StoredEvent } from './stored-answer.ts';

/**
 * An SSE writer that also keeps every event it sends, up to `maxBytes` of event text; past that it
 * stops keeping them and says so (`overflowed`), and the stream is not stored for replay.
 */
export class RecordingSseWriter extends SseWriter {
  readonly events: StoredEvent[] = [];
  overflowed = false;
  private bytes = 0;

  constructor(
    response: ServerResponse,
    private readonly maxBytes: number,
  ) {
    super(response);
  }

  override async send(data: unknown, event?: string): Promise<void> {
    if (!this.overflowed && !this.closed) {
      const text = typeof data === 'string' ? data : JSON.stringify(data);
      this.bytes += Buffer.byteLength(text) + (event?.length ?? 0);
      if (this.bytes > this.maxBytes) {
        this.overflowed = true;
        this.events.length = 0;
      } else {
        this.events.push(event === undefined ? { data: text } : { event, data: text });
      }
    }
    await super.send(data, event);
  }
}
