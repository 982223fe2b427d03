/**
 * The Anthropic surface over OpenAI-protocol upstreams: `/v1/messages` requests translated to chat
 * requests, and chat answers (whole or streamed) translated back to Anthropic messages and events.
 */
export { messagesToChatRequest } from './messages-to-chat-request.ts';
export { chatCompletionToMessage } from './chat-completion-to-message.ts';
export { chatStreamToMessageEvents } from './chat-stream-to-message-events.ts';
export { newMessageId } from './ids.ts';
