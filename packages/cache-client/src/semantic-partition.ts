/**
 * What a semantic lookup compares, and among what. The text embedded is the last user turn alone; every
 * other part of the request that can change the answer goes into the partition, a hash that must match
 * exactly before similarity is even considered. So two prompts are compared only when they share scope,
 * surface, embedder, model, system prompt(s), conversation history, tools and parameters.
 */
import { canonicalJson, encodeScope, outputChangingFields, sha256Hex, type CacheableRequest, type CacheSurface } from './exact-key.ts';

export const DEFAULT_SEMANTIC_MAX_CHARACTERS = 2000;

export interface SemanticPartitionOptions {
  /** Longer last user turns skip the semantic cache: one embedding says little about a long text. */
  maxCharacters?: number;
  /** The API the request came in on (default `openai`). */
  surface?: CacheSurface;
  /** The embedder's name: vectors of two embedders are never compared (default `local`). */
  embedder?: string;
}

/** A message of either surface: a role and a content that is a string or a list of typed parts. */
interface AnyMessage {
  role?: unknown;
  content?: unknown;
  [field: string]: unknown;
}

export type SemanticSkipReason =
  | 'last-message-not-user' // a tool result or an assistant prefill: the answer continues, it is not a new question
  | 'non-text-content' // an image or audio part would be invisible to a text embedding
  | 'empty-text'
  | 'too-long';

export type SemanticLookup =
  | { eligible: true; partition: string; text: string }
  | { eligible: false; reason: SemanticSkipReason };

/** The text of a message: a string as is, text parts joined by a newline; null when a part is not text. */
function messageText(message: AnyMessage): string | null {
  const { content } = message;
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part?.type !== 'text' || typeof part.text !== 'string') return null;
    texts.push(part.text);
  }
  return texts.join('\n');
}

export function semanticLookup(
  scope: string,
  request: CacheableRequest,
  options: SemanticPartitionOptions = {},
): SemanticLookup {
  const maxCharacters = options.maxCharacters ?? DEFAULT_SEMANTIC_MAX_CHARACTERS;
  const messages = Array.isArray(request['messages']) ? (request['messages'] as AnyMessage[]) : [];
  const lastMessage = messages.at(-1);
  if (lastMessage === undefined || lastMessage.role !== 'user') return { eligible: false, reason: 'last-message-not-user' };
  const text = messageText(lastMessage);
  if (text === null) return { eligible: false, reason: 'non-text-content' };
  if (text.trim().length === 0) return { eligible: false, reason: 'empty-text' };
  if (text.length > maxCharacters) return { eligible: false, reason: 'too-long' };

  // The last turn stays in the partition minus its content, so that a `name` or any other field on it
  // still separates requests.
  const { content: _embedded, ...lastTurnRest } = lastMessage;
  const fields = outputChangingFields(request);
  const partitioned = {
    surface: options.surface ?? 'openai',
    embedder: options.embedder ?? 'local',
    request: { ...fields, messages: messages.slice(0, -1), last_user_turn: lastTurnRest },
  };
  return { eligible: true, partition: `${encodeScope(scope)}:${sha256Hex(canonicalJson(partitioned))}`, text };
}
