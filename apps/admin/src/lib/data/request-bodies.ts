import type { KeyRecord, UsageBodiesEntry } from '@gateway/db';

/** What the request detail shows where the prompt and completion go. */
export type RequestBodiesView =
  | { kind: 'logged'; bodies: UsageBodiesEntry; note?: string }
  | { kind: 'not_logged'; message: string };

/**
 * Decides from what was stored (`usage_bodies`) and the request's key whether the detail shows the
 * prompt and completion, or says why it cannot. Bodies stored while the key logged them stay visible
 * after logging is turned off (until they are deleted, see docs/admin.md).
 */
export function requestBodiesView(bodies: UsageBodiesEntry | undefined, key: Pick<KeyRecord, 'logBodies'> | undefined): RequestBodiesView {
  if (bodies) return key && !key.logBodies ? { kind: 'logged', bodies, note: 'Body logging has since been turned off for this key; what was logged before stays.' } : { kind: 'logged', bodies };
  if (!key) return { kind: 'not_logged', message: 'No prompt or completion was logged for this request, and its key is gone.' };
  if (!key.logBodies) return { kind: 'not_logged', message: 'Body logging is off for this key: its prompts and completions are not stored. An admin can turn it on in the key’s settings.' };
  return {
    kind: 'not_logged',
    message:
      'No prompt or completion was logged for this request: it was made before body logging was turned on, was not a chat request, was refused by a guardrail before going upstream, or replayed an earlier answer (Idempotency-Key). A record just made may also still be on its way.',
  };
}
