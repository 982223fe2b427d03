import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { retryAfterHeaders, type FakeFault } from './fake-faults.ts';
import { createFakeServer, sendEvents, sendJson as sendBody, takeAnswer, waitBeforeAnswer, write, type FakeProvider, type FakeServerOptions } from './fake-server.ts';
import { wordPieces } from './fake-tokens.ts';
import {
  candidateParts,
  declarationsOf,
  field,
  functionCallingConfigOf,
  geminiAnswer,
  geminiEmbedding,
  generationConfigOf,
  partsOf,
  promptTokenCount,
  type FakeGeminiAnswer,
} from './fake-gemini-content.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * A fake Gemini API (Google AI Studio, `generativelanguage` v1beta): real HTTP and SSE on 127.0.0.1,
 * shaped like the real API (`models/{model}:generateContent`, `:streamGenerateContent` as SSE with
 * `alt=sse` or else one JSON array, `:batchEmbedContents`, `:countTokens`, `GET models`, Google's error
 * body `{error:{code,message,status}}`), with deterministic answers (see fake-gemini-content.ts),
 * scripted faults (FakeFault, as the fake OpenAI takes them) and request checks cheap enough to copy
 * from the real API, so that translation mistakes fail here as they would there.
 */

export interface FakeGeminiOptions extends FakeServerOptions {
  /** When set, calls must authenticate with it (`x-goog-api-key`, or the `key` query parameter). */
  apiKey?: string;
}

export interface FakeGemini extends FakeProvider<FakeFault> {
  /** `http://127.0.0.1:<port>`: clients append `/v1beta/...`. */
  readonly url: string;
}

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export interface GoogleErrorShape {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

export function googleError(code: number, message: string, details?: unknown[]): GoogleErrorShape {
  return { error: { code, message, status: statusNames[code] ?? (code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'), ...(details ? { details } : {}) } };
}

/** The body Google sends for a status, used when a fault gives none. */
export function defaultGoogleErrorBody(status: number): GoogleErrorShape {
  switch (status) {
    case 400:
      return googleError(400, 'Request contains an invalid argument.');
    case 403:
      return googleError(403, 'The caller does not have permission');
    case 404:
      return googleError(404, 'Requested entity was not found.');
    case 429:
      return googleError(429, 'Resource has been exhausted (e.g. check quota).');
    case 503:
      return googleError(503, 'The model is overloaded. Please try again later.');
    case 504:
      return googleError(504, 'Deadline expired before operation could complete.');
    default:
      return googleError(status, status >= 500 ? 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' : `Request failed with status ${status}.`);
  }
}

const fakeModels = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview', 'gemini-embedding-001'];

function responseId(): string {
  return randomBytes(16).toString('base64url');
}

const googleBodyTypes = { json: 'application/json; charset=UTF-8', text: 'text/html; charset=UTF-8' };

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendBody(response, status, { ...headers, vary: 'Origin' }, body, googleBodyTypes);
}

function apiKeyInvalid(): GoogleErrorShape {
  return googleError(400, 'API key not valid. Please pass a valid API key.', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
  ]);
}

function authFailure(request: FastifyRequest, apiKey: string | undefined): GoogleErrorShape | undefined {
  if (apiKey === undefined) return undefined;
  const header = request.headers['x-goog-api-key'];
  const query = new URL(request.url, 'http://fake.invalid').searchParams.get('key');
  const given = typeof header === 'string' ? header : query;
  if (given === null || given === undefined) {
    return googleError(
      403,
      'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.',
    );
  }
  return given === apiKey ? undefined : apiKeyInvalid();
}

const camelToSnake = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** Both spellings, as Google's JSON parser accepts proto field names in camelCase and snake_case. */
function bothSpellings(names: string[]): Set<string> {
  return new Set(names.flatMap((name) => [name, camelToSnake(name)]));
}

const generateContentFields = bothSpellings(['contents', 'systemInstruction', 'tools', 'toolConfig', 'safetySettings', 'generationConfig', 'cachedContent']);
const generationConfigFields = bothSpellings([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'enableEnhancedCivicAnswers',
  'speechConfig',
  'thinkingConfig',
  'imageConfig',
  'mediaResolution',
]);
const functionDeclarationFields = bothSpellings(['name', 'description', 'behavior', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema']);
const partFields = bothSpellings([
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'thought',
  'thoughtSignature',
  'videoMetadata',
  'partMetadata',
  'mediaResolution',
]);

function unknownField(record: Json, known: Set<string>, at?: string): GoogleErrorShape | undefined {
  const unknown = Object.keys(record).find((name) => !known.has(name));
  if (unknown === undefined) return undefined;
  return googleError(400, `Invalid JSON payload received. Unknown name "${unknown}"${at ? ` at '${at}'` : ''}: Cannot find field.`);
}

function functionCallsOf(content: Json): Json[] {
  return partsOf(content).filter((part) => isRecord(part.functionCall));
}

/** The checks of the real API that translation mistakes run into; the first failing one answers. */
function invalidGenerateContent(body: Json, model: string): GoogleErrorShape | undefined {
  const unknown = unknownField(body, generateContentFields);
  if (unknown) return unknown;
  const config = body.generationConfig ?? body.generation_config;
  if (config !== undefined) {
    if (!isRecord(config)) return googleError(400, "Invalid value at 'generation_config'");
    const unknownConfig = unknownField(config, generationConfigFields, 'generation_config');
    if (unknownConfig) return unknownConfig;
    const schema = field(config, 'responseJsonSchema') ?? field(config, 'responseSchema');
    if (schema !== undefined && field(config, 'responseMimeType') !== 'application/json') {
      return googleError(400, 'responseMimeType must be application/json when a response schema is set.');
    }
  }
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return googleError(400, '* GenerateContentRequest.contents: contents is not specified\n');
  const gemini3 = /^gemini-([3-9]|\d{2,})/.test(model);
  for (const [index, content] of contents.entries()) {
    if (!isRecord(content)) return googleError(400, `Invalid value at 'contents[${index}]'`);
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') {
      return googleError(400, 'Please use a valid role: user, model.');
    }
    const parts = partsOf(content);
    if (parts.length === 0) return googleError(400, `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.\n`);
    for (const part of parts) {
      const unknownPart = unknownField(part, partFields, `contents[${index}].parts[0]`);
      if (unknownPart) return unknownPart;
    }
    const responses = parts.filter((part) => isRecord(part.functionResponse));
    if (responses.length > 0) {
      const previous = contents[index - 1];
      const calls = isRecord(previous) && previous.role === 'model' ? functionCallsOf(previous) : [];
      if (calls.length === 0) {
        return googleError(400, 'Please ensure that function response turn comes immediately after a function call turn.');
      }
      if (calls.length !== responses.length) {
        return googleError(
          400,
          'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
        );
      }
    }
    const calls = functionCallsOf(content);
    if (gemini3 && calls.length > 0 && typeof field(calls[0] as Json, 'thoughtSignature') !== 'string') {
      const name = String((calls[0]?.functionCall as Json).name);
      return googleError(
        400,
        `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${index + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      );
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  for (const tool of tools) {
    const declarations = isRecord(tool) ? field(tool, 'functionDeclarations') : undefined;
    for (const declaration of Array.isArray(declarations) ? declarations : []) {
      if (!isRecord(declaration) || typeof declaration.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(declaration.name)) {
        return googleError(400, '* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name.');
      }
      const unknownDeclaration = unknownField(declaration, functionDeclarationFields, 'tools[0].function_declarations[0]');
      if (unknownDeclaration) return unknownDeclaration;
      if (declaration.parameters !== undefined && field(declaration, 'parametersJsonSchema') !== undefined) {
        return googleError(400, 'parameters and parameters_json_schema are mutually exclusive.');
      }
    }
  }
  const callingConfig = functionCallingConfigOf(body);
  const allowed = field(callingConfig, 'allowedFunctionNames');
  if (Array.isArray(allowed) && allowed.length > 0) {
    if (callingConfig.mode !== 'ANY' && callingConfig.mode !== 'VALIDATED') {
      return googleError(400, '* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: only allowed when mode is ANY or VALIDATED.\n');
    }
    const declared = new Set(declarationsOf(body).map((declaration) => declaration.name));
    const missing = allowed.find((name) => !declared.has(String(name)));
    if (missing !== undefined) return googleError(400, `Function "${String(missing)}" in allowed_function_names is not declared.`);
  }
  return undefined;
}

function responseBody(answer: FakeGeminiAnswer, model: string, id: string): Json {
  if (answer.blockReason) {
    return { promptFeedback: { blockReason: answer.blockReason }, usageMetadata: answer.usageMetadata, modelVersion: model, responseId: id };
  }
  return {
    candidates: answer.candidates.map((candidate) => ({
      content: { parts: candidateParts(candidate), role: 'model' },
      finishReason: candidate.finishReason,
      index: candidate.index,
    })),
    usageMetadata: answer.usageMetadata,
    modelVersion: model,
    responseId: id,
  };
}

/** The events of a streamed answer, shaped as Gemini sends them: each a GenerateContentResponse. */
function streamEvents(answer: FakeGeminiAnswer, model: string, id: string): Json[] {
  if (answer.blockReason) return [responseBody(answer, model, id)];
  const promptOnly = {
    promptTokenCount: answer.usageMetadata.promptTokenCount,
    totalTokenCount: answer.usageMetadata.promptTokenCount,
    promptTokensDetails: answer.usageMetadata.promptTokensDetails,
  };
  const events: Json[] = [];
  answer.candidates.forEach((candidate, position) => {
    const pieces: Json[][] = [];
    if (candidate.thought !== null) pieces.push([{ text: candidate.thought, thought: true }]);
    if (candidate.text !== null) {
      for (const piece of wordPieces(candidate.text)) pieces.push([{ text: piece }]);
    }
    const calls = candidateParts({ ...candidate, thought: null, text: null });
    if (calls.length > 0) pieces.push(calls);
    if (pieces.length === 0) pieces.push([{ text: '' }]);
    const last = position === answer.candidates.length - 1;
    pieces.forEach((parts, index) => {
      const final = index === pieces.length - 1;
      events.push({
        candidates: [
          {
            content: { parts, role: 'model' },
            ...(final ? { finishReason: candidate.finishReason } : {}),
            index: candidate.index,
          },
        ],
        usageMetadata: final && last ? answer.usageMetadata : promptOnly,
        modelVersion: model,
        responseId: id,
      });
    });
  });
  return events;
}

const methods = new Set<string>(['generateContent', 'streamGenerateContent', 'batchEmbedContents', 'embedContent', 'countTokens']);

export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const server = createFakeServer<FakeFault>('fake Gemini server');
  const app = server.app;

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(googleError(404, `Method not found: ${request.method} ${request.url.split('?')[0]}`));
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    const message = status === 400 ? 'Invalid JSON payload received. Unexpected token.' : error.message;
    void reply.code(status).send(googleError(status, message));
  });

  async function handle(request: FastifyRequest, reply: FastifyReply, target: string | undefined): Promise<void> {
    server.recordParsed(request);
    const raw = takeAnswer(reply);
    const { response, destroy } = raw;
    const fault = server.faults.next();
    if (!(await waitBeforeAnswer(response, options.latencyMs, fault))) return;
    if (fault.status !== undefined) {
      sendJson(response, fault.status, fault.body ?? defaultGoogleErrorBody(fault.status), retryAfterHeaders(fault));
      return;
    }
    const unauthorized = authFailure(request, options.apiKey);
    if (unauthorized) return sendJson(response, unauthorized.error.code, unauthorized);

    if (target === undefined) {
      return sendJson(response, 200, {
        models: fakeModels.map((model) => ({
          name: `models/${model}`,
          version: '001',
          displayName: model,
          inputTokenLimit: 1_048_576,
          outputTokenLimit: model.includes('embedding') ? 1 : 65_536,
          supportedGenerationMethods: model.includes('embedding')
            ? ['embedContent', 'batchEmbedContents', 'countTokens']
            : ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
        })),
      });
    }
    const colon = target.lastIndexOf(':');
    const model = colon < 0 ? target : target.slice(0, colon);
    const method = colon < 0 ? '' : target.slice(colon + 1);
    if (!methods.has(method)) return sendJson(response, 404, googleError(404, `Method not found: ${method}`));
    const body = isRecord(request.body) ? request.body : {};
    const resource = `models/${model}`;

    if (method === 'batchEmbedContents' || method === 'embedContent') {
      const embedRequests = method === 'embedContent' ? [body] : Array.isArray(body.requests) ? body.requests.filter(isRecord) : [];
      if (embedRequests.length === 0) return sendJson(response, 400, googleError(400, '* BatchEmbedContentsRequest.requests: requests is not specified\n'));
      for (const [index, embed] of embedRequests.entries()) {
        if (method === 'batchEmbedContents' && embed.model !== resource) {
          return sendJson(response, 400, googleError(400, `* BatchEmbedContentsRequest.requests[${index}].model: the model must be ${resource}, as in the URL\n`));
        }
        const unknown = unknownField(embed, bothSpellings(['model', 'content', 'taskType', 'title', 'outputDimensionality']), `requests[${index}]`);
        if (unknown) return sendJson(response, 400, unknown);
        if (partsOf(embed.content).length === 0) return sendJson(response, 400, googleError(400, `* BatchEmbedContentsRequest.requests[${index}].content.parts: contents.parts must not be empty.\n`));
      }
      if (fault.cutStreamAfterChunks !== undefined) return destroy();
      const vectors = embedRequests.map((embed) => {
        const text = partsOf(embed.content).map((part) => (typeof part.text === 'string' ? part.text : '')).join(' ');
        const dimensions = field(embed, 'outputDimensionality');
        return { values: geminiEmbedding(text, typeof dimensions === 'number' ? dimensions : undefined) };
      });
      return sendJson(response, 200, method === 'embedContent' ? { embedding: vectors[0] } : { embeddings: vectors });
    }

    if (method === 'countTokens') {
      const inner = field(body, 'generateContentRequest');
      const counted = isRecord(inner) ? inner : body;
      const total = promptTokenCount(counted);
      return sendJson(response, 200, { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] });
    }

    const invalid = invalidGenerateContent(body, model);
    if (invalid) return sendJson(response, 400, invalid);
    const answer = geminiAnswer(body, model, fault.usage);
    const id = responseId();
    if (method === 'generateContent') {
      if (fault.cutStreamAfterChunks !== undefined) return destroy();
      return sendJson(response, 200, responseBody(answer, model, id));
    }

    const sse = new URL(request.url, 'http://fake.invalid').searchParams.get('alt') === 'sse';
    const events = streamEvents(answer, model, id);
    response.writeHead(200, {
      'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
      'cache-control': 'no-cache',
      vary: 'Origin',
    });
    response.flushHeaders();
    // Google separates SSE events with CRLF; the array form arrives as a JSON array written in pieces.
    const encoded = events.map((event, index) => {
      const json = JSON.stringify(event);
      return sse ? `data: ${json}\r\n\r\n` : `${index === 0 ? '[' : ',\r\n'}${json}`;
    });
    if (!(await sendEvents(raw, fault, encoded, true))) return;
    if (!sse) await write(response, encoded.length === 0 ? '[]' : ']');
    response.end();
  }

  for (const version of ['v1beta', 'v1']) {
    app.get(`/${version}/models`, (request, reply) => handle(request, reply, undefined));
    app.post<{ Params: { target: string } }>(`/${version}/models/:target`, (request, reply) => handle(request, reply, request.params.target));
  }

  const url = await server.listen(options.port);

  return {
    url,
    requests: server.requests,
    script: server.faults.script,
    reset: server.reset,
    close: server.close,
  };
}
