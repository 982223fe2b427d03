import { randomBytes } from 'node:crypto';

/** 18 random bytes: 24 base64url characters, as long as Anthropic's own ids after their prefix. */
function randomSuffix(): string {
  return randomBytes(18).toString('base64url');
}

/** An Anthropic message id (`msg_…`) for a message the gateway translated from an OpenAI answer. */
export function newMessageId(): string {
  return `msg_${randomSuffix()}`;
}

/** An Anthropic tool use id (`toolu_…`) for a tool call the upstream sent without an id. */
export function newToolUseId(): string {
  return `toolu_${randomSuffix()}`;
}
