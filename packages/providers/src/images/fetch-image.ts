import { GatewayError } from '@gateway/contracts';
import type { ImageFetcher } from '../types.ts';

/** Placeholder replaced by the SSRF-guarded image fetcher in this change. */
export const fetchImage: ImageFetcher = async (url) => {
  throw new GatewayError('invalid_request', `image URLs cannot be fetched yet (${url.slice(0, 40)})`);
};
