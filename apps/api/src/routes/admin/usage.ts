import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { GatewayError } from '@gateway/contracts';
import { getUsageBodies, listUsage, summarizeUsage, type UsageFilters } from '@gateway/db';
import type { AdminContext } from './admin-context.ts';
import { errorResponses, usageBodiesParamsSchema, usageBodiesResponseSchema, usageQuerySchema, usageResponseSchema } from './schemas.ts';

export async function usageRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Usage records, newest first, with totals over the same filters',
        querystring: usageQuerySchema,
        response: { 200: usageResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query;
      const filters: UsageFilters = {
        ...(query.request_id ? { requestId: query.request_id } : {}),
        ...(query.key_id ? { keyId: query.key_id } : {}),
        ...(query.model ? { model: query.model } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
      };
      if (filters.from && filters.to && filters.from >= filters.to) {
        throw new GatewayError('invalid_request', '"from" must be before "to"', { param: 'from' });
      }
      const [page, summary] = await Promise.all([
        listUsage(context.database.db, { ...filters, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
        summarizeUsage(context.database.db, filters),
      ]);
      return {
        data: page.records.map((record) => ({
          request_id: record.requestId,
          client_request_id: record.clientRequestId ?? null,
          created_at: record.createdAt,
          key_id: record.keyId,
          model: record.model,
          provider: record.provider,
          provider_model: record.providerModel,
          endpoint: record.endpoint,
          stream: record.stream,
          input_tokens: record.inputTokens,
          output_tokens: record.outputTokens,
          cached_input_tokens: record.cachedInputTokens ?? 0,
          reasoning_tokens: record.reasoningTokens ?? 0,
          cost_usd: record.costUsd,
          latency_ms: record.latencyMs,
          overhead_ms: record.overheadMs,
          status: record.status,
          error_code: record.errorCode,
          attempts: record.attempts,
          attempt_log: (record.attemptLog ?? []).map((attempt) => ({
            provider: attempt.provider,
            model: attempt.model,
            status: attempt.status,
            latency_ms: attempt.latencyMs,
            start_ms: attempt.startMs,
            error_code: attempt.errorCode ?? null,
            retry: attempt.retry ?? null,
            hedge: attempt.hedge ?? false,
            fallback: attempt.fallback ?? null,
          })),
          strategy: record.strategy ?? null,
          routing_reason: record.routingReason ?? null,
          flags: record.flags ?? [],
          cache_status: record.cacheStatus ?? null,
          cost_saved_usd: record.costSavedUsd ?? null,
          guardrails: record.guardrails ?? null,
        })),
        next_cursor: page.nextCursor,
        summary: {
          requests: summary.requests,
          input_tokens: summary.inputTokens,
          output_tokens: summary.outputTokens,
          cost_usd: summary.costUsd,
          errors: summary.errors,
        },
      };
    },
  );

  typed.get(
    '/usage/:request_id/bodies',
    {
      schema: {
        tags: ['usage'],
        summary: 'The logged prompt and completion of a request (keys with log_bodies); 404 when none were logged',
        params: usageBodiesParamsSchema,
        response: { 200: usageBodiesResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const bodies = await getUsageBodies(context.database.db, request.params.request_id);
      if (!bodies) throw new GatewayError('not_found', `No logged bodies for request "${request.params.request_id}"`, { param: 'request_id' });
      return {
        request_id: bodies.requestId,
        created_at: bodies.createdAt.toISOString(),
        prompt: bodies.prompt,
        completion: bodies.completion,
        prompt_truncated: bodies.promptTruncated,
        completion_truncated: bodies.completionTruncated,
      };
    },
  );
}
