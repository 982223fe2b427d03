/** A tool call in an OpenAI chat completion's message, as the translating adapters build it. */
export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}
