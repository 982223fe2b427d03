import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  chatChoices,
  chatUsage,
  embeddingsResponse,
  logprobsFor,
  type FakeChoice,
  type FakeUsage,
} from './fake-openai-content.ts';
import { retryAfterHeaders, type FakeFault } from './fake-faults.ts';
import { defaultErrorBody, openAiError } from './fake-openai-faults.ts';
import { createFakeServer, sendEvents, sendJson, takeAnswer, type FakeProvider, type FakeServerOptions, wait, waitBeforeAnswer, write } from './fake-server.ts';
import { splitPieces } from './fake-tokens.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * A fake OpenAI (and Azure OpenAI) server: real HTTP and SSE on 127.0.0.1, shaped like the official
 * API (headers, events, `[DONE]`, the usage-only last chunk, tool call deltas, error bodies), with
 * deterministic answers (see fake-openai-content.ts) and scripted faults (see fake-faults.ts).
 */

export interface FakeOpenAiOptions extends FakeServerOptions {
  /** When set, calls must authenticate with it (`Authorization: Bearer`, or `api-key` on Azure paths). */
  apiKey?: string;
}

export interface FakeOpenAi extends FakeProvider<FakeFault> {
  /** Base URL including `/v1`, for OpenAI clients. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`, for Azure clients (`endpoint`). */
  readonly origin: string;
  /**
   * Queue faults for the next calls naming this model (the body's `model`, or the Azure deployment), one
   * per call; they are taken before the shared queue of `script`, so concurrent tests on other models
   * never take them.
   */
  scriptModel(model: string, faults: FakeFault | FakeFault[]): void;
  /** The fault of every call naming this model once its own queue is empty (undefined: none any more). */
  setModelFault(model: string, fault: FakeFault | undefined): void;
  /** Forget recorded requests and queued faults (the model faults too). */
  reset(): void;
}

type Flavour = 'openai' | 'azure';
type Endpoint = 'chat' | 'embeddings' | 'models';

const fakeModels = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3-mini', 'text-embedding-3-small', 'text-embedding-3-large'];

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

function completionId(): string {
  return `chatcmpl-${randomBytes(15).toString('base64url')}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function baseHeaders(flavour: Flavour, id: string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': id,
    'openai-version': '2020-10-01',
    'openai-processing-ms': '1',
  };
  if (flavour === 'azure') {
    headers['apim-request-id'] = id.replace(/^req_/, '');
    headers['x-ms-region'] = 'Fake Region';
  } else {
    headers['openai-organization'] = 'fake-org';
    headers['x-ratelimit-limit-requests'] = '10000';
    headers['x-ratelimit-remaining-requests'] = '9999';
    headers['x-ratelimit-limit-tokens'] = '30000000';
    headers['x-ratelimit-remaining-tokens'] = '29999000';
    headers['x-ratelimit-reset-requests'] = '6ms';
    headers['x-ratelimit-reset-tokens'] = '0s';
  }
  return headers;
}

function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

const azureAccessDenied = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
};

/** The 401 body, or undefined when the call is authenticated (or no key is configured). */
function authFailure(flavour: Flavour, headers: IncomingHttpHeaders, apiKey: string | undefined): unknown {
  if (apiKey === undefined) return undefined;
  if (flavour === 'azure') {
    const given = headers['api-key'];
    const bearer = headers.authorization;
    return given === apiKey || bearer === `Bearer ${apiKey}` ? undefined : azureAccessDenied;
  }
  const authorization = headers.authorization;
  if (!authorization) {
    return openAiError(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'invalid_request_error',
    );
  }
  if (authorization === `Bearer ${apiKey}`) return undefined;
  const given = authorization.replace(/^Bearer\s+/i, '');
  return openAiError(`Incorrect API key provided: ${maskKey(given)}.`, 'invalid_request_error', 'invalid_api_key');
}

function invalidChatRequest(body: Json, flavour: Flavour): unknown {
  if (flavour === 'openai' && typeof body.model !== 'string') {
    return openAiError('you must provide a model parameter', 'invalid_request_error');
  }
  if (!Array.isArray(body.messages)) {
    return openAiError("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages');
  }
  if (body.stream_options != null && body.stream !== true) {
    return openAiError(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'invalid_request_error',
      null,
      'stream_options',
    );
  }
  return undefined;
}

function invalidEmbeddingsRequest(body: Json, flavour: Flavour): unknown {
  if (flavour === 'openai' && typeof body.model !== 'string') {
    return openAiError('you must provide a model parameter', 'invalid_request_error');
  }
  if (body.input === undefined) {
    return openAiError("'input' is a required property", 'invalid_request_error', null, 'input');
  }
  return undefined;
}

const azureFilterResults = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};

function assistantMessage(choice: FakeChoice): Json {
  const message: Json = { role: 'assistant', content: choice.content, refusal: null, annotations: [] };
  if (choice.toolCall) message.tool_calls = [choice.toolCall];
  return message;
}

function chatCompletion(body: Json, model: string, flavour: Flavour, choices: FakeChoice[], usage: FakeUsage): Json {
  const completion: Json = {
    id: completionId(),
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    choices: choices.map((choice) => ({
      index: choice.index,
      message: assistantMessage(choice),
      logprobs: body.logprobs === true ? logprobsFor(choice.content ?? '', Number(body.top_logprobs ?? 0)) : null,
      finish_reason: choice.finishReason,
      ...(flavour === 'azure' ? { content_filter_results: azureFilterResults } : {}),
    })),
    usage,
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
  };
  if (flavour === 'azure') completion.prompt_filter_results = [{ prompt_index: 0, content_filter_results: azureFilterResults }];
  return completion;
}

/** The SSE events of a streamed completion, in the order OpenAI sends them (without `[DONE]`). */
function chatChunks(body: Json, model: string, flavour: Flavour, choices: FakeChoice[], usage: FakeUsage): Json[] {
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const id = completionId();
  const created = nowSeconds();
  const chunk = (choice: Json | null): Json => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
    choices: choice ? [choice] : [],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: Json[] = [];
  if (flavour === 'azure') {
    // Azure opens every stream with an event carrying only the prompt's content filter results.
    chunks.push({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: azureFilterResults }],
    });
  }
  for (const choice of choices) {
    const index = choice.index;
    const logprobs = body.logprobs === true;
    if (choice.toolCall) {
      const call = choice.toolCall;
      chunks.push(
        chunk({
          index,
          delta: {
            role: 'assistant',
            content: null,
            tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
            refusal: null,
          },
          logprobs: null,
          finish_reason: null,
        }),
      );
      for (const piece of splitPieces(call.function.arguments, 7)) {
        chunks.push(
          chunk({ index, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }),
        );
      }
    } else {
      chunks.push(
        chunk({
          index,
          delta: { role: 'assistant', content: '', refusal: null },
          logprobs: logprobs ? { content: [], refusal: null } : null,
          finish_reason: null,
        }),
      );
      for (const piece of (choice.content ?? '').split(/(?=\s)/).filter((part) => part.length > 0)) {
        chunks.push(
          chunk({
            index,
            delta: { content: piece },
            logprobs: logprobs ? logprobsFor(piece, Number(body.top_logprobs ?? 0)) : null,
            finish_reason: null,
          }),
        );
      }
    }
    chunks.push(chunk({ index, delta: {}, logprobs: null, finish_reason: choice.finishReason }));
  }
  if (includeUsage) chunks.push({ ...chunk(null), usage });
  return chunks;
}

export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const server = createFakeServer<FakeFault>('fake OpenAI server');
  const app = server.app;

  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(openAiError(`Invalid URL (${request.method} ${request.url.split('?')[0]})`, 'invalid_request_error'));
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    const message =
      status === 400
        ? 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)'
        : error.message;
    void reply.code(status).send(openAiError(message, status >= 500 ? 'server_error' : 'invalid_request_error'));
  });

  async function handle(
    request: FastifyRequest,
    reply: FastifyReply,
    endpoint: Endpoint,
    flavour: Flavour,
    deployment?: string,
  ): Promise<void> {
    const answer = takeAnswer(reply, server.recordParsed(request));
    const { response, destroy } = answer;
    const named = isRecord(request.body) && typeof request.body.model === 'string' ? request.body.model : undefined;
    const fault = server.faults.next(deployment ?? named);
    const id = requestId();
    const headers = baseHeaders(flavour, id);

    if (!(await waitBeforeAnswer(response, options.latencyMs, fault))) return;
    if (fault.resetConnection) return destroy();
    if (fault.status !== undefined) {
      sendJson(response, fault.status, { ...headers, ...retryAfterHeaders(fault) }, fault.body ?? defaultErrorBody(fault.status));
      return;
    }
    const unauthorized = authFailure(flavour, request.headers, options.apiKey);
    if (unauthorized) {
      sendJson(response, 401, headers, unauthorized);
      return;
    }
    if (flavour === 'azure' && !new URL(request.url, 'http://fake.invalid').searchParams.get('api-version')) {
      sendJson(response, 404, headers, { error: { code: '404', message: 'Resource not found' } });
      return;
    }

    if (endpoint === 'models') {
      sendJson(response, 200, headers, {
        object: 'list',
        data: fakeModels.map((model) => ({ id: model, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
      });
      return;
    }

    const body = isRecord(request.body) ? request.body : {};
    const model = deployment ?? (typeof body.model === 'string' ? body.model : '');
    if (endpoint === 'embeddings') {
      const invalid = invalidEmbeddingsRequest(body, flavour);
      if (invalid) return sendJson(response, 400, headers, invalid);
      if (fault.cutStreamAfterChunks !== undefined) return destroy();
      return sendJson(response, 200, headers, embeddingsResponse(body, model, fault.usage));
    }

    const invalid = invalidChatRequest(body, flavour);
    if (invalid) return sendJson(response, 400, headers, invalid);
    const choices = chatChoices(body);
    const usage = chatUsage(body, choices, fault.usage);
    if (body.stream !== true) {
      if (fault.cutStreamAfterChunks !== undefined) return destroy();
      return sendJson(response, 200, headers, chatCompletion(body, model, flavour, choices, usage));
    }

    response.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    response.flushHeaders();
    if (!(await wait(fault.firstChunkDelayMs ?? 0, response))) return;
    const events = chatChunks(body, model, flavour, choices, usage).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
    if (!(await sendEvents(answer, fault, events, true))) return;
    await write(response, 'data: [DONE]\n\n');
    response.end();
  }

  app.post('/v1/chat/completions', (request, reply) => handle(request, reply, 'chat', 'openai'));
  app.post('/v1/embeddings', (request, reply) => handle(request, reply, 'embeddings', 'openai'));
  app.get('/v1/models', (request, reply) => handle(request, reply, 'models', 'openai'));
  app.post<{ Params: { deployment: string } }>('/openai/deployments/:deployment/chat/completions', (request, reply) =>
    handle(request, reply, 'chat', 'azure', request.params.deployment),
  );
  app.post<{ Params: { deployment: string } }>('/openai/deployments/:deployment/embeddings', (request, reply) =>
    handle(request, reply, 'embeddings', 'azure', request.params.deployment),
  );

  const origin = await server.listen(options.port);

  return {
    url: `${origin}/v1`,
    origin,
    requests: server.requests,
    script: server.faults.script,
    scriptModel: server.faults.scriptModel,
    setModelFault: server.faults.setModelFault,
    reset: server.reset,
    close: server.close,
  };
}
