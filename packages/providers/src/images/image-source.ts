import { GatewayError } from '@gateway/contracts';
import type { ImageFetcher } from '../types.ts';

export interface ImageBytes {
  mediaType: string;
  data: Buffer;
}

/** `data:<media type>;base64,<data>` → its media type and base64 text; undefined for anything else. */
export function parseDataUrl(url: string): { mediaType: string; base64: string } | undefined {
  const match = /^data:([a-z]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*);base64,(.*)$/is.exec(url);
  if (!match) return undefined;
  return { mediaType: (match[1] ?? 'application/octet-stream').toLowerCase(), base64: match[3] ?? '' };
}

/**
 * The bytes of an image the request gives as a data URL or an http(s) URL, for providers that need
 * the bytes themselves. Remote URLs go through `fetchImage` (the SSRF guard); any other scheme is the
 * client's mistake.
 */
export async function imageBytes(url: string, fetchImage: ImageFetcher, signal?: AbortSignal): Promise<ImageBytes> {
  const inline = parseDataUrl(url);
  if (inline) return { mediaType: inline.mediaType, data: Buffer.from(inline.base64, 'base64') };
  if (/^https?:\/\//i.test(url)) return fetchImage(url, signal);
  throw new GatewayError('invalid_request', 'image_url must be an http(s) URL or a base64 data URL', { param: 'messages' });
}
