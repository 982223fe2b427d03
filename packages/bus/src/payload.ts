import { GatewayError } from '@gateway/contracts';
import type { EventTopic } from '@gateway/contracts';
import { decodeJson, encodeJson } from './codec.ts';
import { describeIssues } from './schema-issues.ts';

/** An event topic or a durable stream: both carry one payload schema. */
type PayloadOwner = Pick<EventTopic, 'payload'>;

/** Validates before sending: a payload that breaks the contract is the sender's bug, caught at its source. */
export function encodePayload(owner: PayloadOwner, payload: unknown, label: string): Uint8Array {
  const parsed = owner.payload.safeParse(payload);
  if (!parsed.success) {
    throw new GatewayError('invalid_request', `Invalid ${label} payload: ${describeIssues(parsed.error.issues)}`, {
      source: 'bus',
    });
  }
  return encodeJson(parsed.data);
}

export type DecodedPayload = { ok: true; data: unknown } | { ok: false; reason: string };

/** Decodes what arrived against the schema; the receiver decides whether to drop or terminate it. */
export function decodePayload(data: Uint8Array, owner: PayloadOwner): DecodedPayload {
  let json: unknown;
  try {
    json = decodeJson(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = owner.payload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues) };
  return { ok: true, data: parsed.data };
}
