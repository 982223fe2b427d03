import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { anthropicAnswer, anthropicInputTokens, type FakeAnthropicAnswer } from './fake-anthropic-content.ts';
import { retryAfterHeaders, type FakeFault } from './fake-faults.ts';
import { createFakeServer, sendEvents, sendJson, takeAnswer, waitBeforeAnswer, type FakeProvider, type FakeServerOptions } from './fake-server.ts';
import { splitPieces } from './fake-tokens.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * A fake Anthropic server: real HTTP and SSE on 127.0.0.1, shaped like the Messages API (headers, the
 * exact stream event sequence with `event:` names and a `ping`, error bodies), which checks requests
 * the way Anthropic does where that is cheap (so translation bugs show up as 400s), answers
 * deterministically (see fake-anthropic-content.ts) and plays scripted faults.
 */

export interface FakeAnthropicOptions extends FakeServerOptions {
  /** When set, calls must send it in `x-api-key` (or as `Authorization: Bearer`, as newer SDKs do). */
  apiKey?: string;
}

/** A fault of fake-openai's kind; a status without `body` gets Anthropic's error body for it. */
export interface FakeAnthropicFault extends FakeFault {
  /** Send this many SSE events, then an `error` event of this type (default `overloaded_error`). */
  streamErrorAfterChunks?: number;
  streamErrorType?: string;
}

export interface FakeAnthropic extends FakeProvider<FakeAnthropicFault> {
  /** `http://127.0.0.1:<port>`: the base URL Anthropic clients take (they add `/v1/...`). */
  readonly url: string;
  /** Forget recorded requests, queued faults, prompt cache entries and batches. */
  reset(): void;
}

const fakeModels = [
  { id: 'claude-opus-4-1-20250805', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z' },
  { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
  { id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5', created_at: '2024-10-22T00:00:00Z' },
];

/** Top-level fields Anthropic accepts; any other is refused ("Extra inputs are not permitted"). */
const countTokensFields = [
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'mcp_servers',
  'context_management',
  'output_format',
  'output_config',
];
const messagesFields = new Set([
  ...countTokensFields,
  'max_tokens',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'metadata',
  'service_tier',
  'container',
  'inference_geo',
]);
const blockTypes = new Set([
  'text',
  'image',
  'document',
  'search_result',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
  'container_upload',
]);
/** What a tool_result's content list may hold. */
const toolResultBlockTypes = new Set(['text', 'image', 'search_result', 'document']);
const imageMediaTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export function anthropicError(type: string, message: string, requestId?: string): Json {
  return { type: 'error', error: { type, message }, ...(requestId !== undefined && { request_id: requestId }) };
}

/** The body Anthropic sends for a status (https://docs.anthropic.com/en/api/errors), for faults without one. */
export function defaultAnthropicErrorBody(status: number): Json {
  switch (status) {
    case 400:
      return anthropicError('invalid_request_error', 'Invalid request.');
    case 401:
      return anthropicError('authentication_error', 'invalid x-api-key');
    case 403:
      return anthropicError('permission_error', 'Your API key does not have permission to use the specified resource.');
    case 404:
      return anthropicError('not_found_error', 'The requested resource could not be found.');
    case 413:
      return anthropicError('request_too_large', 'Request exceeds the maximum allowed number of bytes.');
    case 429:
      return anthropicError('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.');
    case 504:
      return anthropicError('timeout_error', 'Request timed out.');
    case 529:
      return anthropicError('overloaded_error', 'Overloaded');
    default:
      return status >= 500
        ? anthropicError('api_error', 'Internal server error')
        : anthropicError('invalid_request_error', `Request failed with status ${status}.`);
  }
}

function blocksOf(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function invalidBlock(block: Json, where: string, role: string): string | undefined {
  const type = String(block.type);
  if (!blockTypes.has(type)) return `${where}.type: Input tag '${type}' found using 'type' does not match any of the expected tags`;
  if (type === 'text' && (typeof block.text !== 'string' || block.text.length === 0)) return 'messages: text content blocks must be non-empty';
  if (type === 'image') {
    const source = isRecord(block.source) ? block.source : {};
    if (source.type === 'base64') {
      if (!imageMediaTypes.has(String(source.media_type))) {
        return `${where}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
      }
      if (typeof source.data !== 'string' || source.data.length === 0) return `${where}.source.base64.data: Field required`;
    } else if (source.type === 'url') {
      if (typeof source.url !== 'string') return `${where}.source.url.url: Field required`;
    } else {
      return `${where}.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags`;
    }
  }
  if ((type === 'tool_use' || type === 'thinking') && role !== 'assistant') return `${where}: ${type} blocks are only allowed in assistant messages`;
  if (type === 'tool_result' && role !== 'user') return `${where}: tool_result blocks are only allowed in user messages`;
  if (type === 'tool_use' && (typeof block.id !== 'string' || typeof block.name !== 'string' || !isRecord(block.input))) {
    return `${where}.tool_use: id, name and an input object are required`;
  }
  if (type === 'tool_result' && Array.isArray(block.content)) {
    for (const [position, inner] of block.content.entries()) {
      const innerWhere = `${where}.tool_result.content.${position}`;
      if (!isRecord(inner) || !toolResultBlockTypes.has(String(inner.type))) {
        return `${innerWhere}.type: Input tag '${String(isRecord(inner) ? inner.type : inner)}' found using 'type' does not match any of the expected tags: 'text', 'image', 'search_result', 'document'`;
      }
      const problem = invalidBlock(inner, innerWhere, role);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The conversation rules: roles, alternation, blocks, and tool results answering the previous turn's calls. */
function invalidMessages(messages: unknown): string | undefined {
  if (messages === undefined) return 'messages: Field required';
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list';
  if (messages.length === 0) return 'messages: at least one message is required';
  let previousRole: string | undefined;
  let previousToolUses: string[] = [];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) return `messages.${index}: Input should be a valid dictionary`;
    const role = message.role;
    if (role !== 'user' && role !== 'assistant') return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    if (index === 0 && role !== 'user') return 'messages: first message must use the "user" role';
    if (role === previousRole) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row`;
    }
    const isFinal = index === messages.length - 1;
    if (typeof message.content === 'string' && message.content.length === 0 && !(isFinal && role === 'assistant')) {
      return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) return `messages.${index}.content: Field required`;
    const blocks = blocksOf(message.content);
    if (Array.isArray(message.content) && blocks.length === 0 && !(isFinal && role === 'assistant')) {
      return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    }
    for (const [position, block] of blocks.entries()) {
      const problem = invalidBlock(block, `messages.${index}.content.${position}`, role);
      if (problem) return problem;
    }
    const results = blocks.filter((block) => block.type === 'tool_result').map((block) => String(block.tool_use_id));
    const unexpected = results.filter((id) => !previousToolUses.includes(id));
    if (unexpected.length > 0) {
      return `messages.${index}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    const unanswered = previousToolUses.filter((id) => !results.includes(id));
    if (unanswered.length > 0) {
      return `messages.${index - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    previousToolUses = blocks.filter((block) => block.type === 'tool_use').map((block) => String(block.id));
    previousRole = role;
    if (isFinal && role === 'assistant') {
      const last = blocks.at(-1);
      if (last?.type === 'text' && typeof last.text === 'string' && /\s$/.test(last.text)) {
        return 'messages: final assistant content cannot end with trailing whitespace';
      }
    }
  }
  return undefined;
}

function invalidTools(body: Json): string | undefined {
  const tools = body.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return 'tools: Input should be a valid list';
    for (const [index, tool] of tools.entries()) {
      if (!isRecord(tool) || typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) {
        return `tools.${index}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
      }
      if (tool.type === undefined || tool.type === 'custom') {
        if (!isRecord(tool.input_schema)) return `tools.${index}.custom.input_schema: Field required`;
        if (tool.input_schema.type !== 'object') return `tools.${index}.custom.input_schema.type: Input should be 'object'`;
      }
    }
  }
  const choice = body.tool_choice;
  if (choice === undefined) return undefined;
  if (!isRecord(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type))) {
    return "tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'";
  }
  if (!Array.isArray(tools) || tools.length === 0) return 'tool_choice: tool_choice may only be specified while providing tools.';
  if (choice.type === 'tool' && !tools.some((tool) => isRecord(tool) && tool.name === choice.name)) {
    return `tool_choice: Tool '${String(choice.name)}' not found in provided tools`;
  }
  return undefined;
}

function invalidThinking(body: Json): string | undefined {
  const thinking = body.thinking;
  if (thinking === undefined) return undefined;
  if (!isRecord(thinking) || (thinking.type !== 'enabled' && thinking.type !== 'disabled')) {
    return "thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'disabled'";
  }
  if (thinking.type === 'disabled') return undefined;
  const budget = thinking.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1024) {
    return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
  }
  if (typeof body.max_tokens === 'number' && budget >= body.max_tokens) {
    return '`max_tokens` must be greater than `thinking.budget_tokens`.';
  }
  if (body.temperature !== undefined && body.temperature !== 1) {
    return '`temperature` may only be set to 1 when thinking is enabled.';
  }
  if (body.top_k !== undefined) return '`top_k` is not supported when thinking is enabled.';
  const choice = body.tool_choice;
  if (isRecord(choice) && (choice.type === 'any' || choice.type === 'tool')) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  return unsignedToolLoop(body.messages);
}

/**
 * With thinking on, the last assistant message that called tools must start with the thinking (or
 * redacted thinking) block Anthropic answered with, as the real API checks.
 */
function unsignedToolLoop(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  const index = messages.findLastIndex((message) => isRecord(message) && message.role === 'assistant');
  if (index < 0) return undefined;
  const blocks = blocksOf((messages[index] as Json).content);
  if (!blocks.some((block) => block.type === 'tool_use')) return undefined;
  const first = String(blocks[0]?.type);
  if (first === 'thinking' || first === 'redacted_thinking') return undefined;
  return (
    `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first}\`. ` +
    'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of ' +
    '`tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this ' +
    'requirement, disable `thinking`.'
  );
}

function invalidNumber(body: Json, field: string, min: number, max: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') return `${field}: Input should be a valid number`;
  if (value < min) return `${field}: Input should be greater than or equal to ${min}`;
  if (value > max) return `${field}: Input should be less than or equal to ${max}`;
  return undefined;
}

/** Anthropic's 400 message for the request, or undefined when it is acceptable. */
export function invalidMessagesRequest(body: Json, endpoint: 'messages' | 'count_tokens'): string | undefined {
  const allowed = endpoint === 'messages' ? messagesFields : new Set(countTokensFields);
  for (const field of Object.keys(body)) if (!allowed.has(field)) return `${field}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || body.model.length === 0) return 'model: Field required';
  if (endpoint === 'messages') {
    if (body.max_tokens === undefined) return 'max_tokens: Field required';
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
      return 'max_tokens: Input should be greater than or equal to 1';
    }
  }
  const system = body.system;
  if (system !== undefined && typeof system !== 'string') {
    if (!Array.isArray(system) || !system.every((block) => isRecord(block) && block.type === 'text' && typeof block.text === 'string')) {
      return 'system: Input should be a valid string or a list of text blocks';
    }
  }
  const stops = body.stop_sequences;
  if (stops !== undefined && (!Array.isArray(stops) || !stops.every((stop) => typeof stop === 'string'))) {
    return 'stop_sequences: Input should be a valid list of strings';
  }
  if (body.metadata !== undefined && (!isRecord(body.metadata) || (body.metadata.user_id !== undefined && typeof body.metadata.user_id !== 'string'))) {
    return 'metadata.user_id: Input should be a valid string';
  }
  return (
    invalidNumber(body, 'temperature', 0, 1) ??
    invalidNumber(body, 'top_p', 0, 1) ??
    invalidNumber(body, 'top_k', 0, Number.MAX_SAFE_INTEGER) ??
    invalidMessages(body.messages) ??
    invalidTools(body) ??
    invalidThinking(body)
  );
}

function requestId(): string {
  return `req_011C${randomBytes(12).toString('base64url')}`;
}

function messageId(): string {
  return `msg_01${randomBytes(12).toString('base64url')}`;
}

function baseHeaders(id: string): Record<string, string> {
  return {
    'request-id': id,
    'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': '3999',
    'anthropic-ratelimit-input-tokens-limit': '2000000',
    'anthropic-ratelimit-output-tokens-limit': '400000',
  };
}

function authFailure(headers: IncomingHttpHeaders, apiKey: string | undefined): Json | undefined {
  if (apiKey === undefined) return undefined;
  const bearer = headers.authorization?.replace(/^Bearer\s+/i, '');
  const given = headers['x-api-key'] ?? bearer;
  if (given === undefined) return anthropicError('authentication_error', 'x-api-key header is required');
  return given === apiKey ? undefined : anthropicError('authentication_error', 'invalid x-api-key');
}

function message(body: Json, answer: FakeAnthropicAnswer, override: FakeFault['usage']): Json {
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: answer.content,
    stop_reason: answer.stopReason,
    stop_sequence: answer.stopSequence,
    usage: usageWith(answer, override),
  };
}

/** A fault's OpenAI-named usage override, in Anthropic's names. */
function usageWith(answer: FakeAnthropicAnswer, override: FakeFault['usage']): Json {
  return {
    ...answer.usage,
    ...(override?.prompt_tokens !== undefined && { input_tokens: override.prompt_tokens }),
    ...(override?.completion_tokens !== undefined && { output_tokens: override.completion_tokens }),
    service_tier: 'standard',
  };
}

/** The stream's events in the order Anthropic sends them: [event name, data]. */
function streamEvents(full: Json): Array<[string, Json]> {
  const usage = full.usage as Json;
  const events: Array<[string, Json]> = [
    [
      'message_start',
      {
        type: 'message_start',
        message: { ...full, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      },
    ],
  ];
  (full.content as Json[]).forEach((block, index) => {
    if (block.type === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      for (const piece of String(block.text).split(/(?=\s)/)) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }]);
      }
    } else if (block.type === 'thinking') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
      ]);
      for (const piece of String(block.thinking).split(/(?=\s)/)) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } }]);
      }
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } }]);
    } else if (block.type === 'tool_use') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } },
      ]);
      for (const piece of ['', ...splitPieces(JSON.stringify(block.input), 7)]) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } }]);
      }
    }
    // Anthropic sends a ping right after the first block opens.
    if (index === 0) events.splice(2, 0, ['ping', { type: 'ping' }]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: full.stop_reason, stop_sequence: full.stop_sequence },
      usage: { output_tokens: usage.output_tokens },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

type Endpoint = 'messages' | 'count_tokens' | 'models' | 'create_batch' | 'get_batch' | 'list_batches';

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const server = createFakeServer<FakeAnthropicFault>('fake Anthropic server');
  const app = server.app;
  const cachedPrefixes = new Set<string>();
  const batches = new Map<string, Json>();

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(anthropicError('not_found_error', `Not found: ${request.method} ${request.url.split('?')[0]}`));
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 400) return void reply.code(400).send(anthropicError('invalid_request_error', 'There was an issue with the request body: invalid JSON.'));
    void reply.code(status).send(anthropicError(status >= 500 ? 'api_error' : 'invalid_request_error', error.message));
  });

  async function handle(request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, batchId?: string): Promise<void> {
    server.recordParsed(request);
    const answer = takeAnswer(reply);
    const { response, destroy } = answer;
    const fault = server.faults.next();
    const id = requestId();
    const headers = baseHeaders(id);

    if (!(await waitBeforeAnswer(response, options.latencyMs, fault))) return;
    if (fault.status !== undefined) {
      const errorBody = fault.body ?? defaultAnthropicErrorBody(fault.status);
      const faultHeaders = { ...headers, ...retryAfterHeaders(fault) };
      sendJson(response, fault.status, faultHeaders, isRecord(errorBody) && errorBody.type === 'error' ? { ...errorBody, request_id: id } : errorBody);
      return;
    }
    const unauthorized = authFailure(request.headers, options.apiKey);
    if (unauthorized) return sendJson(response, 401, headers, { ...unauthorized, request_id: id });
    if (request.headers['anthropic-version'] === undefined) {
      return sendJson(response, 400, headers, anthropicError('invalid_request_error', 'anthropic-version: header is required', id));
    }
    const body = isRecord(request.body) ? request.body : {};

    switch (endpoint) {
      case 'models':
        return sendJson(response, 200, headers, {
          data: fakeModels.map((model) => ({ type: 'model', ...model })),
          has_more: false,
          first_id: fakeModels[0]?.id,
          last_id: fakeModels.at(-1)?.id,
        });
      case 'count_tokens': {
        const problem = invalidMessagesRequest(body, 'count_tokens');
        if (problem) return sendJson(response, 400, headers, anthropicError('invalid_request_error', problem, id));
        return sendJson(response, 200, headers, { input_tokens: anthropicInputTokens(body) });
      }
      case 'create_batch': {
        const entries = Array.isArray(body.requests) ? body.requests : [];
        if (entries.length === 0 || !entries.every((entry) => isRecord(entry) && typeof entry.custom_id === 'string' && isRecord(entry.params))) {
          return sendJson(response, 400, headers, anthropicError('invalid_request_error', 'requests: each needs a custom_id and params', id));
        }
        const batch = batchObject(entries.length);
        batches.set(batch.id as string, batch);
        return sendJson(response, 200, headers, batch);
      }
      case 'get_batch': {
        const batch = batchId === undefined ? undefined : batches.get(batchId);
        if (!batch) return sendJson(response, 404, headers, anthropicError('not_found_error', `Batch ${String(batchId)} not found.`, id));
        return sendJson(response, 200, headers, batch);
      }
      case 'list_batches': {
        const data = [...batches.values()].reverse();
        return sendJson(response, 200, headers, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
      }
      case 'messages':
        break;
    }

    const problem = invalidMessagesRequest(body, 'messages');
    if (problem) return sendJson(response, 400, headers, anthropicError('invalid_request_error', problem, id));
    const full = message(body, anthropicAnswer(body, cachedPrefixes), fault.usage);

    if (body.stream !== true) {
      if (fault.cutStreamAfterChunks !== undefined) return destroy();
      return sendJson(response, 200, headers, full);
    }

    response.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const events = streamEvents(full).map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // A scripted stream error takes the place of the events from its position on, and ends the stream.
    const errorAt = fault.streamErrorAfterChunks === undefined ? events.length : Math.max(0, fault.streamErrorAfterChunks);
    if (errorAt < events.length) {
      const error = anthropicError(fault.streamErrorType ?? 'overloaded_error', 'Overloaded');
      events.splice(errorAt, events.length - errorAt, `event: error\ndata: ${JSON.stringify(error)}\n\n`);
    }
    if (!(await sendEvents(answer, fault, events))) return;
    response.end();
  }

  app.post('/v1/messages', (request, reply) => handle(request, reply, 'messages'));
  app.post('/v1/messages/count_tokens', (request, reply) => handle(request, reply, 'count_tokens'));
  app.get('/v1/models', (request, reply) => handle(request, reply, 'models'));
  app.post('/v1/messages/batches', (request, reply) => handle(request, reply, 'create_batch'));
  app.get('/v1/messages/batches', (request, reply) => handle(request, reply, 'list_batches'));
  app.get<{ Params: { id: string } }>('/v1/messages/batches/:id', (request, reply) =>
    handle(request, reply, 'get_batch', request.params.id),
  );

  const url = await server.listen(options.port);

  return {
    url,
    requests: server.requests,
    script: server.faults.script,
    reset() {
      server.reset();
      cachedPrefixes.clear();
      batches.clear();
    },
    close: server.close,
  };
}

function batchObject(count: number): Json {
  const created = new Date();
  return {
    id: `msgbatch_01${randomUUID().replace(/-/g, '').slice(0, 22)}`,
    type: 'message_batch',
    processing_status: 'in_progress',
    request_counts: { processing: count, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    ended_at: null,
    created_at: created.toISOString(),
    expires_at: new Date(created.getTime() + 24 * 3600 * 1000).toISOString(),
    archived_at: null,
    cancel_initiated_at: null,
    results_url: null,
  };
}
