/**
 * Where the texts of a chat request are, for the guardrails: each one a slot that can be read and
 * replaced (with its redacted version) in a copy of the request that goes upstream. Only text is
 * checked: images, audio and tool-call arguments are not.
 */

export interface TextSlot {
  role: string;
  text: string;
  /** Writes the (redacted) text back where it came from. */
  replace(text: string): void;
}

type Part = { type?: unknown; text?: unknown; content?: unknown; [field: string]: unknown };

/** Text parts (`{ type: 'text', text }`) of a content list, as slots. */
function partSlots(role: string, parts: Part[], into: TextSlot[]): void {
  for (const part of parts) {
    if (part?.type === 'text' && typeof part.text === 'string') {
      into.push({ role, text: part.text, replace: (text) => void (part.text = text) });
    } else if (part?.type === 'tool_result') {
      // Anthropic's tool results: a string, or blocks of their own.
      const content = part.content;
      if (typeof content === 'string') into.push({ role: 'tool', text: content, replace: (text) => void (part.content = text) });
      else if (Array.isArray(content)) partSlots('tool', content as Part[], into);
    }
  }
}

/** A message's content (a string, or a list of parts) as slots. */
function contentSlots(role: string, holder: { content?: unknown }, into: TextSlot[]): void {
  const { content } = holder;
  if (typeof content === 'string') into.push({ role, text: content, replace: (text) => void (holder.content = text) });
  else if (Array.isArray(content)) partSlots(role, content as Part[], into);
}

/** The texts of an OpenAI chat request (`body` is changed by `replace`: pass a copy). */
export function chatRequestTexts(body: { messages: Array<{ role: string; content?: unknown }> }): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const message of body.messages) contentSlots(message.role, message, slots);
  return slots;
}

/** The texts of an Anthropic Messages request: the system prompt, then the messages. */
export function messagesRequestTexts(body: { system?: unknown; messages: Array<{ role: string; content?: unknown }> }): TextSlot[] {
  const slots: TextSlot[] = [];
  if (typeof body.system === 'string') slots.push({ role: 'system', text: body.system, replace: (text) => void (body.system = text) });
  else if (Array.isArray(body.system)) partSlots('system', body.system as Part[], slots);
  for (const message of body.messages) contentSlots(message.role, message, slots);
  return slots;
}

/** The answer texts of an OpenAI chat completion: each choice's message content. */
export function chatResponseTexts(response: { choices?: Array<{ message?: { content?: unknown } }> }): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const choice of response.choices ?? []) {
    const message = choice.message;
    if (message && typeof message.content === 'string') {
      slots.push({ role: 'assistant', text: message.content, replace: (text) => void (message.content = text) });
    }
  }
  return slots;
}

/** The answer texts of an Anthropic message: its text blocks. */
export function messagesResponseTexts(response: { content?: Part[] }): TextSlot[] {
  const slots: TextSlot[] = [];
  partSlots('assistant', response.content ?? [], slots);
  return slots;
}
