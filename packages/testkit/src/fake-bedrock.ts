import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { converseOutput, type FakeConverseOutput } from './fake-bedrock-content.ts';
import { retryAfterHeaders, type FakeFault } from './fake-faults.ts';
import { createFakeServer, sendEvents, sendJson, takeAnswer, waitBeforeAnswer, write, type FakeProvider, type FakeServerOptions } from './fake-server.ts';
import { wordPieces } from './fake-tokens.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * A fake Amazon Bedrock runtime (Converse and ConverseStream): real HTTP on 127.0.0.1, answers and
 * errors shaped like Bedrock's (`{"message"}` bodies with `x-amzn-errortype`, binary event-stream
 * frames with Bedrock's headers), requests authenticated the way Bedrock does it (SigV4, recomputed
 * with AWS's signer over the request as received, or a Bedrock API key), validated where that is cheap,
 * deterministic content (see fake-bedrock-content.ts) and scripted faults.
 */

export interface FakeBedrockOptions extends FakeServerOptions {
  /** When set, requests must carry a SigV4 signature made with these (for `region`, service `bedrock`). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The region signatures must be scoped to. Default: us-east-1. */
  region?: string;
  /** When set, `Authorization: Bearer <apiKey>` is accepted (alone, or beside `credentials`). */
  apiKey?: string;
}

/** Bedrock's own error for a stream that fails mid-way, sent as an exception message. */
export interface FakeStreamException {
  type:
    | 'throttlingException'
    | 'modelStreamErrorException'
    | 'validationException'
    | 'serviceUnavailableException'
    | 'internalServerException';
  message?: string;
  /** Event messages sent before the exception. Default: 0. */
  afterChunks?: number;
}

/**
 * FakeFault with Bedrock's extras. `status` answers with Bedrock's error shape (the type for the status
 * unless `errorType` is given); `cutStreamAfterChunks`/`stallStreamAfterChunks` count event messages;
 * `usage` takes OpenAI's names (prompt_tokens, completion_tokens) or Bedrock's (cacheReadInputTokens…).
 */
export interface FakeBedrockFault extends FakeFault {
  /** `x-amzn-errortype` of a `status` fault, e.g. ModelNotReadyException. */
  errorType?: string;
  streamException?: FakeStreamException;
}

export interface FakeBedrock extends FakeProvider<FakeBedrockFault> {
  /** `http://127.0.0.1:<port>`: the adapter's base URL. */
  readonly url: string;
}

const errorTypeByStatus: Record<number, { type: string; message: string }> = {
  400: { type: 'ValidationException', message: 'The provided request is not valid' },
  403: { type: 'AccessDeniedException', message: "You don't have access to the model with the specified model ID." },
  404: { type: 'ResourceNotFoundException', message: 'The provided model identifier is invalid.' },
  408: { type: 'ModelTimeoutException', message: 'Model has timed out in processing the request. Try your request again.' },
  424: { type: 'ModelErrorException', message: 'The model returned an error.' },
  429: { type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  500: { type: 'InternalServerException', message: 'The server encountered an internal error.' },
  503: { type: 'ServiceUnavailableException', message: 'The service is unavailable. Please try again later.' },
};

function sendError(response: ServerResponse, status: number, type: string, body: unknown, extra: Record<string, string> = {}): void {
  const headers = {
    ...extra,
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  };
  sendJson(response, status, headers, body, { json: 'application/json', text: 'text/html' });
}

function validationError(response: ServerResponse, message: string): void {
  sendError(response, 400, 'ValidationException', { message });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

interface AuthFailure {
  type: string;
  message: string;
}

const signatureMismatch: AuthFailure = {
  type: 'InvalidSignatureException',
  message:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
};

/** `20240102T030405Z` → a Date. */
function amzDate(value: string | undefined): Date | undefined {
  const match = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
}

function sha256Hex(data: Uint8Array): Promise<string> {
  const hash = new Sha256();
  hash.update(data);
  return hash.digest().then((digest) => Buffer.from(digest).toString('hex'));
}

/**
 * Recomputes the SigV4 signature of the request as received (method, raw path, the headers it says it
 * signed, the body bytes) with AWS's signer and compares it with the one given.
 */
async function verifySignature(
  request: FastifyRequest,
  rawBody: Buffer,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
): Promise<AuthFailure | undefined> {
  const authorization = header(request.headers, 'authorization') ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (!match) return { type: 'IncompleteSignatureException', message: 'Authorization header requires a valid AWS4-HMAC-SHA256 signature.' };
  const [, accessKeyId, , scopeRegion, scopeService, signedHeaderList] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) {
    return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  if (scopeRegion !== region || scopeService !== 'bedrock') {
    return { type: 'InvalidSignatureException', message: `Credential should be scoped to a valid region and service 'bedrock'.` };
  }
  const signingDate = amzDate(header(request.headers, 'x-amz-date'));
  if (!signingDate) return { type: 'IncompleteSignatureException', message: 'X-Amz-Date is missing or malformed.' };
  const signed = (signedHeaderList as string).split(';');
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = header(request.headers, name);
    if (value === undefined) return signatureMismatch;
    headers[name] = value;
  }
  const claimedHash = headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== (await sha256Hex(rawBody))) return signatureMismatch;
  const sessionToken = header(request.headers, 'x-amz-security-token');
  const signer = new SignatureV4({
    service: 'bedrock',
    region,
    credentials: { ...credentials, ...(sessionToken !== undefined && { sessionToken }) },
    sha256: Sha256,
    applyChecksum: claimedHash !== undefined,
  });
  const [path = '/', query = ''] = request.url.split('?');
  const host = headers.host ?? '';
  const recomputed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers,
      body: rawBody,
    }),
    { signingDate, signableHeaders: new Set(signed) },
  );
  return recomputed.headers.authorization === authorization ? undefined : signatureMismatch;
}

function bearerFailure(request: FastifyRequest, apiKey: string): AuthFailure | undefined {
  return header(request.headers, 'authorization') === `Bearer ${apiKey}`
    ? undefined
    : { type: 'AccessDeniedException', message: 'Authentication failed: Please make sure your API Key is valid.' };
}

async function authFailure(request: FastifyRequest, rawBody: Buffer, options: FakeBedrockOptions): Promise<AuthFailure | undefined> {
  const authorization = header(request.headers, 'authorization');
  if (options.credentials === undefined && options.apiKey === undefined) return undefined;
  if (authorization === undefined) return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  if (authorization.startsWith('Bearer ')) {
    return options.apiKey === undefined ? signatureMismatch : bearerFailure(request, options.apiKey);
  }
  if (options.credentials === undefined) return bearerFailure(request, options.apiKey ?? '');
  return verifySignature(request, rawBody, options.credentials, options.region ?? 'us-east-1');
}

const topLevelFields = new Set([
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'promptVariables',
  'additionalModelResponseFieldPaths',
  'requestMetadata',
  'performanceConfig',
]);
const blockKinds = new Set(['text', 'image', 'document', 'video', 'toolUse', 'toolResult', 'guardContent', 'reasoningContent', 'cachePoint']);
const inferenceFields = new Set(['maxTokens', 'temperature', 'topP', 'stopSequences']);
const imageFormats = new Set(['png', 'jpeg', 'gif', 'webp']);

function extraneous(key: string): string {
  return `Malformed input request: extraneous key [${key}] is not permitted, please reformat your input and try again.`;
}

/** Bedrock's checks that are cheap to copy; the message of the first that fails, or undefined. */
function invalidConverse(body: unknown): string | undefined {
  if (!isRecord(body)) return 'Malformed input request, please reformat your input and try again.';
  for (const key of Object.keys(body)) if (!topLevelFields.has(key)) return extraneous(key);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  let toolBlocks = false;
  let previousToolUses = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) return `Malformed input request: messages.${index} must be an object.`;
    for (const key of Object.keys(message)) if (key !== 'role' && key !== 'content') return extraneous(key);
    if (index === 0 && message.role !== 'user') {
      return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
    }
    if (message.role !== 'user' && message.role !== 'assistant') return `Malformed input request: messages.${index}.role must be user or assistant.`;
    if (index > 0 && (messages[index - 1] as Json).role === message.role) {
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    }
    if (!Array.isArray(message.content) || message.content.length === 0) {
      return `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`;
    }
    const toolUses = new Set<string>();
    for (const [position, block] of message.content.entries()) {
      const where = `messages.${index}.content.${position}`;
      if (!isRecord(block) || Object.keys(block).length !== 1) return `Malformed input request: ${where} must hold exactly one content kind.`;
      const kind = Object.keys(block)[0] as string;
      if (!blockKinds.has(kind)) return extraneous(kind);
      if (kind === 'text' && (typeof block.text !== 'string' || block.text.trim().length === 0)) {
        return `The text field in the ContentBlock object at ${where} is blank. Add text to the text field, and try again.`;
      }
      if (kind === 'image') {
        const image = isRecord(block.image) ? block.image : {};
        if (!imageFormats.has(String(image.format)) || !isRecord(image.source) || typeof image.source.bytes !== 'string') {
          return `Malformed input request: ${where}.image needs a format (png, jpeg, gif, webp) and source.bytes.`;
        }
      }
      if (kind === 'toolUse') {
        const toolUse = isRecord(block.toolUse) ? block.toolUse : {};
        if (message.role !== 'assistant' || typeof toolUse.toolUseId !== 'string' || typeof toolUse.name !== 'string') {
          return `Malformed input request: ${where}.toolUse needs toolUseId and name, in an assistant message.`;
        }
        toolUses.add(toolUse.toolUseId);
        toolBlocks = true;
      }
      if (kind === 'toolResult') {
        const result = isRecord(block.toolResult) ? block.toolResult : {};
        if (message.role !== 'user' || typeof result.toolUseId !== 'string' || !Array.isArray(result.content)) {
          return `Malformed input request: ${where}.toolResult needs toolUseId and content, in a user message.`;
        }
        if (!previousToolUses.has(result.toolUseId)) {
          return `The toolUseId ${result.toolUseId} in ${where} does not match any toolUse block of the previous turn.`;
        }
        toolBlocks = true;
      }
    }
    previousToolUses = toolUses;
  }
  if (body.system !== undefined) {
    if (!Array.isArray(body.system) || !body.system.every((block) => isRecord(block) && (typeof block.text === 'string' || block.cachePoint !== undefined))) {
      return 'Malformed input request: system must be a list of text blocks.';
    }
  }
  if (body.inferenceConfig !== undefined) {
    if (!isRecord(body.inferenceConfig)) return 'Malformed input request: inferenceConfig must be an object.';
    for (const key of Object.keys(body.inferenceConfig)) if (!inferenceFields.has(key)) return extraneous(key);
    const maxTokens = body.inferenceConfig.maxTokens;
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || (maxTokens as number) < 1)) {
      return 'Malformed input request: inferenceConfig.maxTokens must be an integer of at least 1.';
    }
  }
  if (body.toolConfig !== undefined) {
    const config = body.toolConfig;
    if (!isRecord(config) || !Array.isArray(config.tools) || config.tools.length === 0) {
      return 'Malformed input request: toolConfig.tools must hold at least one tool.';
    }
    for (const key of Object.keys(config)) if (key !== 'tools' && key !== 'toolChoice') return extraneous(key);
    const names = config.tools
      .filter(isRecord)
      .map((tool) => (isRecord(tool.toolSpec) ? tool.toolSpec : {}))
      .map((spec) => (typeof spec.name === 'string' && isRecord(spec.inputSchema) ? spec.name : undefined));
    if (names.some((name) => name === undefined)) return 'Malformed input request: every toolSpec needs a name and an inputSchema.';
    if (config.toolChoice !== undefined) {
      const choice = config.toolChoice;
      if (!isRecord(choice) || Object.keys(choice).length !== 1 || !['auto', 'any', 'tool'].includes(Object.keys(choice)[0] as string)) {
        return 'Malformed input request: toolChoice must be one of auto, any, tool.';
      }
      if (isRecord(choice.tool) && !names.includes(choice.tool.name as string)) {
        return `The tool ${String(choice.tool.name)} in toolChoice is not among the tools in toolConfig.`;
      }
    }
  } else if (toolBlocks) {
    return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  }
  if (body.requestMetadata !== undefined) {
    if (!isRecord(body.requestMetadata) || !Object.values(body.requestMetadata).every((value) => typeof value === 'string')) {
      return 'Malformed input request: requestMetadata values must be strings.';
    }
  }
  return undefined;
}

function converseResponse(output: FakeConverseOutput, latencyMs: number): Json {
  const content: Json[] = [];
  if (output.text !== null) content.push({ text: output.text });
  if (output.toolUse) content.push({ toolUse: output.toolUse });
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: output.stopReason,
    usage: output.usage,
    metrics: { latencyMs },
  };
}

/** Bedrock pads each event with a `p` field of varying length, so sizes do not leak content. */
function padding(index: number): string {
  return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.slice(0, 10 + ((index * 7) % 40));
}

/** The ConverseStream events of an answer, in Bedrock's order. */
function converseEvents(output: FakeConverseOutput, latencyMs: number): Array<{ type: string; body: Json }> {
  const events: Array<{ type: string; body: Json }> = [{ type: 'messageStart', body: { role: 'assistant' } }];
  if (output.toolUse) {
    const { toolUseId, name, input } = output.toolUse;
    events.push({ type: 'contentBlockStart', body: { contentBlockIndex: 0, start: { toolUse: { toolUseId, name } } } });
    const json = JSON.stringify(input);
    for (let at = 0; at < json.length; at += 9) {
      events.push({ type: 'contentBlockDelta', body: { contentBlockIndex: 0, delta: { toolUse: { input: json.slice(at, at + 9) } } } });
    }
  } else {
    // Text blocks have no contentBlockStart: their first delta opens them.
    for (const piece of wordPieces(output.text ?? '')) {
      events.push({ type: 'contentBlockDelta', body: { contentBlockIndex: 0, delta: { text: piece } } });
    }
  }
  events.push({ type: 'contentBlockStop', body: { contentBlockIndex: 0 } });
  events.push({ type: 'messageStop', body: { stopReason: output.stopReason } });
  events.push({ type: 'metadata', body: { usage: output.usage, metrics: { latencyMs } } });
  return events.map((event, index) => (event.type === 'metadata' ? event : { ...event, body: { ...event.body, p: padding(index) } }));
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function eventMessage(type: string, body: Json): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(body)),
  });
}

function exceptionMessage(exception: FakeStreamException): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exception.type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message: exception.message ?? `The model stream failed (${exception.type}).` })),
  });
}

export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const server = createFakeServer<FakeBedrockFault>('fake Bedrock server');
  const app = server.app;
  // The raw bytes are kept: a signature covers them, not their parsed JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw = takeAnswer(reply);
    const { response, destroy } = raw;
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let body: unknown;
    let malformed = false;
    try {
      body = rawBody.length > 0 ? JSON.parse(rawBody.toString('utf8')) : undefined;
    } catch {
      malformed = true;
    }
    // The path as sent, not as URL parsing would normalise it: signatures cover it.
    const [path = '', query = ''] = request.url.split('?');
    server.record({ method: request.method, path, query: Object.fromEntries(new URLSearchParams(query)), headers: request.headers, body });

    const fault = server.faults.next();
    const started = Date.now();
    if (!(await waitBeforeAnswer(response, options.latencyMs, fault))) return;
    if (fault.status !== undefined) {
      const known = errorTypeByStatus[fault.status] ?? { type: 'InternalServerException', message: 'Internal failure.' };
      sendError(response, fault.status, fault.errorType ?? known.type, fault.body ?? { message: known.message }, retryAfterHeaders(fault));
      return;
    }
    const denied = await authFailure(request, rawBody, options);
    if (denied) return sendError(response, 403, denied.type, { message: denied.message });

    const route = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
    if (!route) return sendError(response, 404, 'UnknownOperationException', { message: 'Unknown operation' });
    if (malformed) return validationError(response, 'Malformed input request, please reformat your input and try again.');
    const invalid = invalidConverse(body);
    if (invalid) return validationError(response, invalid);

    const output = converseOutput(body as Json, fault.usage as Record<string, unknown> | undefined);
    const latencyMs = Date.now() - started;
    const requestId = randomUUID();
    if (route[2] === 'converse') {
      if (fault.cutStreamAfterChunks !== undefined) return destroy();
      return sendJson(response, 200, { 'x-amzn-requestid': requestId }, converseResponse(output, latencyMs));
    }

    response.writeHead(200, { 'x-amzn-requestid': requestId, 'content-type': 'application/vnd.amazon.eventstream' });
    response.flushHeaders();
    const events = converseEvents(output, latencyMs).map((event) => eventMessage(event.type, event.body));
    // A scripted exception takes the place of the events from its position on, whatever cut or stall is scripted there.
    const exceptionAt = fault.streamException ? Math.max(0, fault.streamException.afterChunks ?? 0) : events.length;
    if (!(await sendEvents(raw, fault, events.slice(0, exceptionAt)))) return;
    if (fault.streamException) await write(response, exceptionMessage(fault.streamException));
    response.end();
  }

  app.post('/*', handle);

  return {
    url: await server.listen(options.port),
    requests: server.requests,
    script: server.faults.script,
    reset: server.reset,
    close: server.close,
  };
}
