import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { UsageReader } from './usage-reader.ts';

/** Most bytes of a JSON answer (or of one SSE line) kept to read its usage; beyond, tokens stay unknown. */
export const maxUsageScanBytes = 1024 * 1024;

/**
 * A pass-through stage that reads usage from the answer as it flows to the client: every chunk is
 * forwarded at once, unchanged; a copy is looked at on the side. A JSON answer is kept up to
 * `maxUsageScanBytes` and read at its end; an SSE answer is read line by line, and only `data:` lines
 * that mention usage are parsed. `onUsage` runs each time the reader learned something.
 */
export function usageTap(format: 'json' | 'sse', reader: UsageReader, onUsage: () => void): Transform {
  return format === 'json' ? jsonTap(reader, onUsage) : sseTap(reader, onUsage);
}

function jsonTap(reader: UsageReader, onUsage: () => void): Transform {
  let kept: Buffer[] | undefined = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (kept) {
        size += chunk.length;
        if (size > maxUsageScanBytes) kept = undefined;
        else kept.push(chunk);
      }
      callback(null, chunk);
    },
    flush(callback) {
      if (kept && size > 0) {
        const body = parseJson(Buffer.concat(kept, size).toString('utf8'));
        // Gemini answers a stream without `alt=sse` as one JSON array of responses.
        for (const item of Array.isArray(body) ? body : [body]) reader.observe(item);
        onUsage();
      }
      callback();
    },
  });
}

function sseTap(reader: UsageReader, onUsage: () => void): Transform {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  /** True while dropping an over-long line, up to its end. */
  let skipping = false;
  const scan = (text: string, final: boolean): void => {
    pending += text;
    const lines = pending.split(/\r\n|\r|\n/);
    pending = final ? '' : (lines.pop() ?? '');
    for (const line of lines) {
      if (skipping) {
        skipping = false;
        continue;
      }
      if (!line.startsWith('data:') || !line.includes('usage')) continue;
      const event = parseJson(line.slice(5).trim());
      if (event === undefined) continue;
      reader.observe(event);
      onUsage();
    }
    if (pending.length > maxUsageScanBytes) {
      pending = '';
      skipping = true;
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, chunk);
      scan(decoder.write(chunk), false);
    },
    flush(callback) {
      scan(decoder.end(), true);
      callback();
    },
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
