import type { ChatCompletionRequest } from '@gateway/contracts';
import type { StreamPart } from './types.ts';

/** Whether the client asked for the usage-only last chunk of a stream. */
export function clientAskedForUsage(request: ChatCompletionRequest): boolean {
  return request.stream_options?.include_usage === true;
}

/**
 * Whether a stream chunk goes to the client: every chunk does, except the usage-only last one, which
 * the gateway asked for on its own account and which only clients that asked for it should see.
 */
export function chunkVisibleToClient(part: Extract<StreamPart, { type: 'chunk' }>, request: ChatCompletionRequest): boolean {
  return part.usageOnly !== true || clientAskedForUsage(request);
}
