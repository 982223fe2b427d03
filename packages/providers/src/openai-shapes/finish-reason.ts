import type { FinishReason } from '../types.ts';

/**
 * The OpenAI `finish_reason` a client sees for a unified one. OpenAI has no "other" or "error", so
 * those read as `stop`; when the upstream gave no reason at all (raw null) there is none to report.
 */
export function openAiFinishReason(reason: FinishReason): string | null {
  if (reason.raw === null) return null;
  return reason.unified === 'other' || reason.unified === 'error' ? 'stop' : reason.unified;
}
