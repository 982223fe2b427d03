import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { headerNames, maxLoggedAttempts, type UsageRecord } from '@gateway/contracts';
import { watchConfig } from '@gateway/config';
import { findKeyByPlaintext } from '@gateway/db';
import { createDeploymentState } from '@gateway/deployment-state';
import { createMemoryStore } from '@gateway/kv';
import { createExecutor } from '@gateway/providers';
import { checkReadiness, modelMetricLabel, observeRequest, publicReadiness } from '@gateway/telemetry';
import { Counter } from 'prom-client';
import { KeyCache, type CachedKey } from './auth/key-cache.ts';
import { loadProviderCatalog } from './config-cache/provider-catalog.ts';
import { startBudgetReconciler } from './limits/budget-reconciler.ts';
import { KeyLimiter } from './limits/key-limiter.ts';
import { limitSettings } from './limits/limit-settings.ts';
import { createRequestLimits } from './limits/request-limits.ts';
import type { ApiDependencies } from './dependencies.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { requestIdFor } from './http/request-id.ts';
import { endRequestSpan, startRequestSpan } from './http/request-span.ts';
import { adminRoutes } from './routes/admin/admin-routes.ts';
import { v1Routes } from './routes/v1-routes.ts';
import { cacheEmbedders, requestCacheSettings } from './cache/cache-settings.ts';
import { ResponseCache } from './cache/response-cache.ts';
import { RequestGuardrails } from './guardrails/request-guardrails.ts';
import { overheadMs, type RequestState } from './usage/request-state.ts';
import { UsageRecorder } from './usage/usage-recorder.ts';

export interface Api {
  app: FastifyInstance;
  /** Waits for usage records still being published. */
  flushUsage(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the HTTP surface (not listening: main.ts listens; tests use inject or listen on port 0). */
export async function buildApi(dependencies: ApiDependencies): Promise<Api> {
  const { bus, database, logger, metrics } = dependencies;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    // Fastify's own two lines per request are replaced by one "request completed" line (onResponse below).
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: dependencies.environment.GATEWAY_BODY_LIMIT,
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // Hooks on every request are callback-style (no promise per hook): they run on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(headerNames.requestId, request.id);
    startRequestSpan(request);
    done();
  });
  // Time spent in the gateway, on every response: for /v1 the time not spent waiting on providers.
  app.addHook('onSend', (request, reply, payload, done) => {
    const state = (request as { gateway?: RequestState }).gateway;
    reply.header(headerNames.overheadMs, (state ? overheadMs(state) : reply.elapsedTime).toFixed(2));
    if (state) limits.writeHeaders(state, reply);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (!route.startsWith('/v1/')) observeRequest(metrics, { route, status: reply.statusCode }, reply.elapsedTime / 1000);
    endRequestSpan(request, reply.statusCode);
    request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
    done();
  });

  const lostUsage = new Counter({
    name: 'gateway_usage_records_lost_total',
    help: 'Usage records that neither JetStream nor Postgres accepted',
    registers: [metrics.registry],
  });
  const usage = new UsageRecorder({ bus, database, logger, onLost: () => lostUsage.inc() });
  const keys = new KeyCache({
    bus,
    lookup: async (plaintext) => (await findKeyByPlaintext(database.db, plaintext)) ?? null,
  });
  const catalog = await watchConfig({
    bus,
    load: () => loadProviderCatalog(database, dependencies.secretBox, dependencies.adapterOptions ?? {}),
    entities: ['provider', 'model', 'settings', 'guardrail'],
    onReload: () => logger.info('provider catalog reloaded'),
    onError: (error) => logger.error({ err: error }, 'provider catalog reload failed; keeping the previous one'),
  });
  for (const [name, reason] of catalog.current().unavailable) logger.warn({ provider: name, reason }, 'provider unavailable');
  // Key limits and budgets: counters in the shared store, reconciled from the ledger (see limits/).
  const settings = limitSettings(dependencies.environment);
  const limits = createRequestLimits({
    limiter: new KeyLimiter({ store: dependencies.store, inFlightEpochMs: settings.inFlightEpochMs }),
    catalog: catalog.current,
    logger,
    metrics,
  });
  const reconciler = dependencies.store
    ? startBudgetReconciler({ database, store: dependencies.store, logger, intervalMs: settings.reconcileIntervalMs })
    : undefined;
  // Pass-through calls have no plan: they are counted before the proxy's own pre-handler runs.
  app.addHook('preHandler', (request, _reply, done) => {
    if ((request as { gateway?: RequestState }).gateway?.endpoint !== 'passthrough') return done();
    limits.admitPassthrough(request).then(() => done(), done);
  });
  // Every replica writes each attempt's outcome to the shared deployment state the router reads
  // (in-flight, latency, health); without a store (some tests) it stays in this process.
  const deploymentState = createDeploymentState(dependencies.store ?? createMemoryStore(), {
    onEjected: (event) => logger.warn({ deployment: event.deployment, until: new Date(event.until).toISOString(), reason: event.reason }, 'deployment ejected'),
  });
  const executor = createExecutor({ getAdapter: (name) => catalog.current().adapters.get(name), logger, deploymentState });

  const finish = (state: RequestState, status: number) => {
    if (state.recorded) return;
    state.recorded = true;
    // A provider embedding made for a semantic cache lookup was billed too: it joins the request's cost.
    if (state.cacheEmbeddingCostUsd !== null) state.costUsd = (state.costUsd ?? 0) + state.cacheEmbeddingCostUsd;
    limits.settle(state);
    const now = performance.now();
    const latencyMs = now - state.startedAt;
    observeRequest(
      metrics,
      { route: routeLabel(state.endpoint), provider: state.provider ?? '', model: state.model ? modelMetricLabel(state.model, metricCatalog) : '', status },
      latencyMs / 1000,
    );
    // Unauthenticated calls are counted in metrics only: anonymous traffic must not fill the ledger.
    if (!state.key) return;
    const record: UsageRecord = {
      requestId: state.requestId,
      clientRequestId: state.clientRequestId,
      createdAt: state.createdAt,
      keyId: state.key?.id ?? null,
      model: state.model,
      provider: state.provider,
      providerModel: state.providerModel,
      endpoint: state.endpoint,
      stream: state.stream,
      inputTokens: state.inputTokens,
      outputTokens: state.outputTokens,
      cachedInputTokens: state.cachedInputTokens,
      reasoningTokens: state.reasoningTokens,
      ...(state.plan ? { strategy: state.plan.strategy, routingReason: state.plan.reason ?? null } : {}),
      costUsd: state.costUsd,
      latencyMs,
      overheadMs: overheadMs(state, now),
      status,
      errorCode: status >= 400 ? state.errorCode ?? 'internal_error' : null,
      attempts: state.attempts,
      ...(state.attemptLog.length > 0 ? { attemptLog: state.attemptLog.slice(0, maxLoggedAttempts) } : {}),
      ...(state.flags.length > 0 ? { flags: state.flags } : {}),
      // Absent when caching was off for the request, as from producers before the cache.
      ...(state.cacheStatus !== null ? { cacheStatus: state.cacheStatus, costSavedUsd: state.costSavedUsd } : {}),
      guardrails: state.guardrails.length > 0 ? state.guardrails : null,
      ...loggedBodies(state),
    };
    usage.record(record);
  };
  /** The key's logged prompt and completion, if it logs them; a failure here costs the record its bodies, nothing more. */
  const loggedBodies = (state: RequestState): Pick<UsageRecord, 'bodies'> => {
    if (!state.bodies) return {};
    try {
      return { bodies: state.bodies.toUsageBodies() };
    } catch (error) {
      logger.warn({ err: error, requestId: state.requestId }, 'logged bodies left off the usage record');
      return {};
    }
  };
  /** Metric labels must stay few: configured model names, `<provider>/*` for direct calls, else `unknown`. */
  const metricCatalog = {
    isConfiguredModel: (name: string) => catalog.current().modelNames.has(name),
    isProvider: (name: string) => catalog.current().providerTypes.has(name),
  };

  await app.register(swagger, {
    openapi: {
      info: { title: 'LLM gateway API', version: '0.1.0', description: 'Admin REST API (master key) and the OpenAI-compatible surface (gateway keys).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const result = await checkReadiness(dependencies.readinessChecks);
    if (!result.ready) logger.warn({ dependencies: result.dependencies }, 'not ready');
    return reply.code(result.ready ? 200 : 503).send(publicReadiness(result));
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  // The response cache: the API computes keys and embeddings and asks the cache service over the bus.
  const responses = new ResponseCache({
    bus,
    logger,
    metrics,
    embedderFor: cacheEmbedders({ bus, executor, catalog: catalog.current }),
    lookupTimeoutMs: dependencies.environment.GATEWAY_CACHE_LOOKUP_TIMEOUT_MS,
  });
  const cache = { responses, settingsFor: (key: CachedKey, model: string) => requestCacheSettings(catalog.current(), key, model) };
  // Guardrails: the policies of a request are checked by the guardrail service over the bus.
  const guardrails = new RequestGuardrails({ bus, logger, metrics });
  await app.register(v1Routes, { bus, keys, executor, catalog: catalog.current, finish, limits, cache, guardrails, ...(dependencies.store ? { store: dependencies.store } : {}) });
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    database,
    bus,
    secretBox: dependencies.secretBox,
    masterKey: dependencies.masterKey,
    configSource: dependencies.configSource,
  });

  return {
    app,
    flushUsage: () => usage.flush(),
    async close() {
      await app.close();
      reconciler?.stop();
      await limits.flush();
      await usage.flush();
      keys.close();
      catalog.stop();
    },
  };
}

/** The metric `route` label of a /v1 request: its path, one per endpoint. */
function routeLabel(endpoint: RequestState['endpoint']): string {
  switch (endpoint) {
    case 'chat':
      return '/v1/chat/completions';
    case 'count_tokens':
      return '/v1/messages/count_tokens';
    case 'passthrough':
      return '/passthrough';
    default:
      return `/v1/${endpoint}`;
  }
}
