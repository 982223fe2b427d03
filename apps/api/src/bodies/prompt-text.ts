/**
 * A chat request's prompt as the text the request log keeps: one section per message (`role:` then its
 * text), tool calls and results written out, and what is not text (images, audio, files) named in
 * brackets instead of copied. Tool definitions and sampling settings are not part of it.
 */

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const json = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

/** `[image]`, `[audio]`…: a part that is not text, by its kind. */
function namedPart(type: string): string {
  if (type === 'image_url' || type === 'image') return '[image]';
  if (type === 'input_audio') return '[audio]';
  if (type === 'file' || type === 'document') return '[file]';
  if (type === 'thinking' || type === 'redacted_thinking') return '[thinking]';
  return `[${type}]`;
}

/** An OpenAI content part, or an Anthropic content block, as text. */
function partText(part: unknown): string {
  if (!isRecord(part)) return '';
  const type = typeof part.type === 'string' ? part.type : '';
  if (type === 'text' && typeof part.text === 'string') return part.text;
  if (type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
  if (type === 'tool_use') return `tool call ${json(part.name)}(${json(part.input)})`;
  if (type === 'tool_result') {
    const id = typeof part.tool_use_id === 'string' ? ` ${part.tool_use_id}` : '';
    return `tool result${id}${part.is_error === true ? ' (error)' : ''}:\n${contentText(part.content)}`;
  }
  return namedPart(type || 'part');
}

/** A message's content: a string, or a list of parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(partText).filter((text) => text !== '').join('\n');
  return '';
}

/** OpenAI's tool calls of an assistant message (and the legacy `function_call`). */
function toolCallsText(message: Fields): string[] {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const lines = calls.filter(isRecord).map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    return `tool call ${json(fn.name)}(${json(fn.arguments)})`;
  });
  if (isRecord(message.function_call)) lines.push(`tool call ${json(message.function_call.name)}(${json(message.function_call.arguments)})`);
  return lines;
}

function section(heading: string, lines: string[]): string {
  return `${heading}:\n${lines.filter((line) => line !== '').join('\n')}`;
}

/** The prompt of an OpenAI chat request (`messages`). */
export function chatPromptText(body: { messages: readonly unknown[] }): string {
  return body.messages
    .filter(isRecord)
    .map((message) => {
      const role = typeof message.role === 'string' ? message.role : 'message';
      const heading = typeof message.tool_call_id === 'string' ? `${role} (${message.tool_call_id})` : role;
      const refusal = typeof message.refusal === 'string' ? message.refusal : '';
      return section(heading, [contentText(message.content), refusal, ...toolCallsText(message)]);
    })
    .join('\n\n');
}

/** The prompt of an Anthropic Messages request: `system`, then `messages`. */
export function messagesPromptText(body: { system?: unknown; messages: readonly unknown[] }): string {
  const system = body.system === undefined ? [] : [section('system', [contentText(body.system)])];
  const messages = body.messages.filter(isRecord).map((message) => section(typeof message.role === 'string' ? message.role : 'message', [contentText(message.content)]));
  return [...system, ...messages].join('\n\n');
}
