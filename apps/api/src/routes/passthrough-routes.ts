import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify';
import { GatewayError, keyAllowsModel } from '@gateway/contracts';
import { ProviderError, defaultTimeoutMs, sharedDispatcher, type PassthroughTarget, type Usage } from '@gateway/providers';
import { decidePassthroughSurface } from '../http/error-body.ts';
import type { GatewayCalls } from './gateway-calls.ts';
import { forwardBodiesAsReceived } from './passthrough/request-body.ts';
import { passthroughUrl } from './passthrough/target-url.ts';
import { clientResponseHeaders, upstreamRequestHeaders } from './passthrough/upstream-headers.ts';
import { readErrorBody, scrubbedErrorBody, targetSecrets, withheldAnswerError } from './passthrough/upstream-error.ts';
import { errorCodeForUpstreamStatus, passesThrough } from './passthrough/upstream-status.ts';
import { UsageReader, usageDialectOf, type UsageDialect } from './passthrough/usage-reader.ts';
import { usageTap } from './passthrough/usage-tap.ts';

/** What the pre-handler decided for one pass-through call. */
interface PassthroughCall {
  provider: string;
  target: PassthroughTarget;
  url: URL;
  /** The model the request names (its JSON body's `model`, or a Gemini path's `models/<name>`). */
  model: string | undefined;
  dialect: UsageDialect;
  timeoutMs: number;
}

const prefix = '/passthrough/';

/**
 * The adapters' keep-alive pools (no body timeout, so streams may pause; reply-from passes the
 * provider's timeout per call). Looked up per call, since a graceful shutdown replaces the shared
 * Agent; both of undici's `request` forms are passed on as they come.
 */
type Pools = ReturnType<typeof sharedDispatcher>;
const sharedPools = {
  request: ((...args: unknown[]): unknown => {
    const pools = sharedDispatcher();
    return Reflect.apply(pools.request, pools, args);
  }) as Pools['request'],
};

/**
 * `/passthrough/<provider>/<path>`: a provider's own endpoints that the unified surface does not cover
 * (OpenAI's Responses, audio, files and batches; Anthropic's batches; Gemini's own API), reached with a
 * gateway key. The call goes to the provider's pass-through base URL (its adapter's `passthrough()`)
 * followed by `<path>` and the query, with the provider's credential instead of the client's; the
 * client chooses the path under that base, never the host (see `passthroughUrl`). A key with a model
 * allow-list may use a provider this way only when the list holds `<provider>/*` (or `*`).
 *
 * Registered inside the authenticated /v1 scope, so its key check, request state and usage record
 * apply: one record per call, with the upstream's status, the provider, the request's model, and the
 * tokens the answer states (read as it flows, never holding it back).
 */
export function passthroughRoutes(app: FastifyInstance, calls: GatewayCalls): void {
  const { catalog } = calls.options;
  const decided = new WeakMap<FastifyRequest, PassthroughCall>();
  const callOf = (request: FastifyRequest): PassthroughCall => {
    const call = decided.get(request);
    if (!call) throw new GatewayError('internal_error', 'pass-through call without a target');
    return call;
  };

  decidePassthroughSurface(app, (name) => catalog().providerTypes.get(name));

  app.register(async (scope) => {
    forwardBodiesAsReceived(scope, scope.initialConfig.bodyLimit ?? 1024 * 1024);
    // Provider-native endpoints: nothing to describe in the gateway's OpenAPI document.
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    await scope.register(httpProxy, {
      prefix: '/passthrough/:provider',
      // The upstream differs per call: `getUpstream` gives it, once the pre-handler chose it.
      upstream: '',
      // Our own parsers are in place (forwardBodiesAsReceived).
      proxyPayloads: false,
      internalRewriteLocationHeader: false,
      disableRequestLogging: true,
      undici: sharedPools,
      preHandler(request, _reply, done) {
        try {
          decided.set(request, decide(request));
          done();
        } catch (error) {
          done(error as Error);
        }
      },
      replyOptions: {
        getUpstream: (request) => callOf(request as FastifyRequest).url.origin,
        // The proxy then makes the remaining header values safe to send.
        rewriteHeaders: (headers) => clientResponseHeaders(headers as IncomingHttpHeaders),
      },
      handler: (request, reply, _destination, options) => forward(request, reply, options),
    });
  });

  function decide(request: FastifyRequest): PassthroughCall {
    const state = request.gateway;
    const name = (request.params as { provider: string }).provider;
    if (!keyAllowsModel(state.key?.models, `${name}/*`)) {
      throw new GatewayError('model_not_allowed', `This key may not use provider "${shortened(name)}" through /passthrough (its allow-list needs "${shortened(name)}/*")`, {
        param: 'provider',
      });
    }
    const current = catalog();
    const adapter = current.adapters.get(name);
    const type = current.providerTypes.get(name);
    if (!adapter) {
      if (type) throw new GatewayError('provider_unavailable', `Provider "${name}" could not be set up; see the gateway's log`, { source: `provider:${name}` });
      throw new GatewayError('not_found', `No provider named "${shortened(name)}"`, { param: 'provider' });
    }
    state.provider = name;
    if (!adapter.passthrough) {
      throw new GatewayError('invalid_request', `Provider "${name}" (type ${adapter.settings.type}) cannot be reached through /passthrough`, {
        param: 'provider',
      });
    }
    const target = adapter.passthrough();
    const [rawPath = '', rawQuery = ''] = splitOnce(request.url, '?');
    const providerSegment = rawPath.slice(prefix.length).split('/')[0] ?? '';
    const url = passthroughUrl(target.baseUrl, rawPath.slice(prefix.length + providerSegment.length), rawQuery);
    const model = bodyModel(request.body) ?? pathModel(url.pathname);
    if (model !== undefined) {
      state.model = model;
      state.providerModel = model;
    }
    return {
      provider: name,
      target,
      url,
      model,
      dialect: usageDialectOf(type),
      timeoutMs: adapter.settings.timeoutMs ?? defaultTimeoutMs,
    };
  }

  function forward(request: FastifyRequest, reply: FastifyReply, options: object): FastifyReply {
    const call = callOf(request);
    const state = request.gateway;
    const started = performance.now();
    state.attempts = 1;
    const hasBytes = Buffer.isBuffer(request.body) && request.method !== 'GET' && request.method !== 'HEAD';
    return reply.from(call.url.pathname, {
      ...options,
      getUpstream: () => call.url.origin,
      queryString: () => call.url.search.slice(1),
      timeout: call.timeoutMs,
      // A provider's answer, even a 503, is the client's to see and retry; reply-from would retry GETs.
      retryDelay: () => null,
      ...(hasBytes ? { body: request.body, contentType: request.headers['content-type'] ?? 'application/json' } : {}),
      rewriteRequestHeaders: (_request, headers) => upstreamRequestHeaders(headers as IncomingHttpHeaders, call.target.headers, state.requestId),
      onResponse: (_request, upstreamReply, response) => {
        state.providerMs = performance.now() - started;
        const status = response.statusCode;
        const contentType = String(upstreamReply.getHeader('content-type') ?? '');
        if (status >= 400) {
          state.errorCode = errorCodeForUpstreamStatus(status);
          // reply-from types the answer as a server response; undici's answer carries the upstream headers.
          const headers = (response as unknown as { headers: IncomingHttpHeaders }).headers;
          void answerUpstreamError(request, upstreamReply, call, status, headers, response.stream as unknown as Readable);
          return;
        }
        const format = /^text\/event-stream/i.test(contentType) ? 'sse' : /^[a-z]+\/(?:[a-z0-9.+-]+\+)?json\b/i.test(contentType) ? 'json' : undefined;
        const body = response.stream as unknown as Readable;
        if (!format) {
          upstreamReply.send(body);
          return;
        }
        state.stream = format === 'sse';
        const reader = new UsageReader(call.dialect);
        const tap = usageTap(format, reader, () => settle(request, call, reader.usage()));
        pipeline(body, tap, () => undefined);
        upstreamReply.send(tap);
      },
      onError: (failedReply, { error }) => {
        state.providerMs = performance.now() - started;
        failedReply.send(upstreamFailure(call.provider, error));
      },
    });
  }

  /**
   * A provider's error answer. A refusal that tells the client what to fix goes to the client, scrubbed
   * of anything key-shaped; any other (a 401 or 403 for the gateway's credential, a 5xx, a 402…) is
   * withheld: the client gets the gateway's error in its surface's shape, and the log gets the
   * provider's scrubbed message (see `withheldAnswerError`).
   */
  async function answerUpstreamError(
    request: FastifyRequest,
    reply: FastifyReply<RouteGenericInterface, RawServerBase>,
    call: PassthroughCall,
    status: number,
    headers: IncomingHttpHeaders,
    body: Readable,
  ): Promise<void> {
    const bytes = await readErrorBody(body);
    const secrets = targetSecrets(call.target);
    const encoding = String(headers['content-encoding'] ?? 'identity').toLowerCase();
    if (bytes && encoding === 'identity' && passesThrough(status)) {
      reply.removeHeader('transfer-encoding');
      reply.send(scrubbedErrorBody(bytes, String(headers['content-type'] ?? ''), secrets, request.url));
      return;
    }
    // The provider's headers described its answer, not the gateway's error that replaces it.
    for (const name of Object.keys(clientResponseHeaders(headers))) reply.removeHeader(name);
    reply.send(withheldAnswerError(call.provider, status, headers, bytes, secrets));
  }

  function settle(request: FastifyRequest, call: PassthroughCall, usage: Usage | undefined): void {
    if (!usage) return;
    const state = request.gateway;
    if (call.model !== undefined) {
      // Priced as a direct call (`<provider>/<model>`), so a configured alias of the same name never applies.
      calls.settleUsage(state, `${call.provider}/${call.model}`, { provider: call.provider, model: call.model }, usage);
      return;
    }
    state.inputTokens = usage.inputTokens;
    state.outputTokens = usage.outputTokens;
    state.cachedInputTokens = usage.cachedInputTokens ?? 0;
    state.reasoningTokens = usage.reasoningTokens ?? 0;
  }
}

/** What the client is told when the provider could not be reached: never the upstream's address. */
function upstreamFailure(provider: string, error: Error): GatewayError {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof GatewayError) return cause;
  if (error instanceof GatewayError) return error;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (status === 504) {
    return new ProviderError('provider_timeout', `provider ${provider} did not answer in time`, { provider, retryable: true, cause: error });
  }
  return new ProviderError('provider_unavailable', `provider ${provider} is unreachable`, { provider, retryable: true, cause: error });
}

/** The `model` of a JSON request body, read from the bytes the body is forwarded as. */
function bodyModel(body: unknown): string | undefined {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    const model = typeof parsed === 'object' && parsed !== null ? (parsed as { model?: unknown }).model : undefined;
    return typeof model === 'string' && model !== '' ? model : undefined;
  } catch {
    return undefined;
  }
}

/** Gemini names the model in the path: `…/models/<name>:<method>`. */
function pathModel(pathname: string): string | undefined {
  const match = /\/models\/([^/:]+):[A-Za-z]+$/.exec(pathname);
  return match?.[1] ? safeDecode(match[1]) : undefined;
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function shortened(name: string): string {
  return name.length > 64 ? `${name.slice(0, 63)}…` : name;
}
