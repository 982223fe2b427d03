import { GatewayError } from '@gateway/contracts';
import type { ImageFetcher } from '../types.ts';
import { inlineImageBytes, isRemoteImageUrl, type ImageBytes } from './image-source.ts';

/**
 * The images of a request being built, for providers that need the bytes themselves. Data URLs are
 * decoded at once; http(s) URLs are fetched only when `load` is called, so an adapter builds the whole
 * upstream request and enforces strict mode first, and a request refused there makes no outbound fetch.
 */
export class PendingImages {
  private readonly loads: Array<() => Promise<void>> = [];

  constructor(
    private readonly fetchImage: ImageFetcher,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Hands the image's bytes to `fill`: now for a data URL, during `load` for an http(s) URL. */
  add(url: string, fill: (bytes: ImageBytes) => void): void {
    const inline = inlineImageBytes(url);
    if (inline) return fill(inline);
    if (!isRemoteImageUrl(url)) {
      throw new GatewayError('invalid_request', 'image_url must be an http(s) URL or a base64 data URL', { param: 'messages' });
    }
    this.loads.push(async () => fill(await this.fetchImage(url, this.signal)));
  }

  /** Fetches the remote images (through the image fetcher, the SSRF guard), one after the other. */
  async load(): Promise<void> {
    for (const load of this.loads.splice(0)) await load();
  }
}
