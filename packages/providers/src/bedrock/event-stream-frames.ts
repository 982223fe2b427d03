import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/**
 * Splits an `application/vnd.amazon.eventstream` body into messages, whatever the chunk boundaries:
 * bytes are buffered until a whole message is in (its prelude's first four bytes give its total
 * length), which AWS's codec then decodes, checking both CRCs.
 */

/** A prelude (12 bytes) and the message CRC (4). */
const minimumMessageLength = 16;
/** Bedrock's events are small; a larger length means the stream is not what it claims to be. */
const maximumMessageLength = 16 * 1024 * 1024;

export class EventStreamFrameError extends Error {
  override name = 'EventStreamFrameError';
}

export class EventStreamFrames {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private buffer: Buffer = Buffer.alloc(0);

  /** Adds received bytes; returns the messages they complete, in order. */
  push(chunk: Uint8Array): Message[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const messages: Message[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (length < minimumMessageLength || length > maximumMessageLength) {
        throw new EventStreamFrameError(`an event stream message claims ${length} bytes`);
      }
      if (this.buffer.length < length) break;
      const frame = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      try {
        messages.push(this.codec.decode(frame));
      } catch (error) {
        throw new EventStreamFrameError('an event stream message failed to decode', { cause: error });
      }
    }
    return messages;
  }

  /** Bytes of a message not yet complete: left over when the body ends, they mean it was cut. */
  get pendingBytes(): number {
    return this.buffer.length;
  }
}

/** A string header of a message (`:event-type`, `:message-type`, `:exception-type`…). */
export function stringHeader(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}
