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

/** The bytes of a base64 data URL; undefined for any other URL. */
export function inlineImageBytes(url: string): ImageBytes | undefined {
  const inline = parseDataUrl(url);
  return inline ? { mediaType: inline.mediaType, data: Buffer.from(inline.base64, 'base64') } : undefined;
}

export function isRemoteImageUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * The bytes of an image the request gives as a data URL or an http(s) URL, for providers that need
 * the bytes themselves. Remote URLs go through `fetchImage` (the SSRF guard); any other scheme is the
 * client's mistake. Adapters use `PendingImages`, which fetches only once the request may go out.
 */
export async function imageBytes(url: string, fetchImage: ImageFetcher, signal?: AbortSignal): Promise<ImageBytes> {
  const inline = inlineImageBytes(url);
  if (inline) return inline;
  if (isRemoteImageUrl(url)) return fetchImage(url, signal);
  throw new GatewayError('invalid_request', 'image_url must be an http(s) URL or a base64 data URL', { param: 'messages' });
}
