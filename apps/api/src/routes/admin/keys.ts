import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError, configChanged } from '@gateway/contracts';
import { createKey, getKey, keyState, listKeys, revokeKey, updateKey, type Budget, type KeyRecord, type Limits, type ModelLimits } from '@gateway/db';
import type { AdminContext } from './admin-context.ts';
import { checkCacheEmbedder } from './cache-settings-checks.ts';
import { checkGuardrailNames } from './guardrail-checks.ts';
import { createKeyBodySchema, createdKeySchema, errorResponses, idParamsSchema, keySchema, updateKeyBodySchema } from './schemas.ts';

export function keyResponse(record: KeyRecord): z.infer<typeof keySchema> {
  return {
    id: record.id,
    name: record.name,
    key_prefix: record.keyPrefix,
    models: record.models,
    metadata: record.metadata,
    strict: record.strict,
    ...limitsResponse(record.limits),
    model_limits: record.modelLimits === null ? null : Object.fromEntries(Object.entries(record.modelLimits).map(([model, limits]) => [model, compact(limitsResponse(limits))])),
    cache: record.cache,
    guardrails: record.guardrails,
    log_bodies: record.logBodies,
    expires_at: record.expiresAt?.toISOString() ?? null,
    revoked_at: record.revokedAt?.toISOString() ?? null,
    state: keyState(record),
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
  };
}

type LimitsBody = {
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  max_parallel?: number | null;
  budget?: { max_usd: number; period: Budget['period'] } | null;
};

function limitsResponse(limits: Partial<Limits>) {
  return {
    rpm_limit: limits.rpmLimit ?? null,
    tpm_limit: limits.tpmLimit ?? null,
    max_parallel: limits.maxParallel ?? null,
    budget: limits.budget ? { max_usd: limits.budget.maxUsd, period: limits.budget.period } : null,
  };
}

/** A model's limits list only the kinds it sets. */
function compact(limits: ReturnType<typeof limitsResponse>): Partial<ReturnType<typeof limitsResponse>> {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== null));
}

/** The limit kinds the body names (absent ones are left out, so PATCH keeps them). */
function limitsInput(body: LimitsBody): Partial<Limits> {
  return {
    ...(body.rpm_limit !== undefined ? { rpmLimit: body.rpm_limit } : {}),
    ...(body.tpm_limit !== undefined ? { tpmLimit: body.tpm_limit } : {}),
    ...(body.max_parallel !== undefined ? { maxParallel: body.max_parallel } : {}),
    ...(body.budget !== undefined ? { budget: body.budget && { maxUsd: body.budget.max_usd, period: body.budget.period } } : {}),
  };
}

function modelLimitsInput(body: Record<string, LimitsBody> | null): ModelLimits | null {
  if (body === null) return null;
  return Object.fromEntries(Object.entries(body).map(([model, limits]) => [model, limitsInput(limits)]));
}

const keyNotFound = (id: string) => new GatewayError('not_found', `No key with id "${id}"`, { param: 'id' });

export async function keyRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const db = context.database.db;
  const changed = (id: string, action: 'created' | 'updated' | 'deleted') =>
    context.bus.publish(configChanged, { entity: 'key', id, action });

  typed.post(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create a gateway key (the key is returned once)',
        body: createKeyBodySchema,
        response: { 201: createdKeySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.expires_at && new Date(body.expires_at).getTime() <= Date.now()) {
        throw new GatewayError('invalid_request', 'expires_at is in the past', { param: 'expires_at' });
      }
      await checkCacheEmbedder(db, body.cache, 'cache');
      await checkGuardrailNames(db, body.guardrails, 'guardrails');
      const { record, plaintextKey } = await createKey(db, {
        name: body.name,
        models: body.models ?? null,
        metadata: body.metadata ?? {},
        strict: body.strict ?? false,
        expiresAt: body.expires_at ? new Date(body.expires_at) : null,
        limits: limitsInput(body),
        modelLimits: modelLimitsInput(body.model_limits ?? null),
        cache: body.cache ?? null,
        guardrails: body.guardrails ?? null,
        logBodies: body.log_bodies ?? false,
      });
      changed(record.id, 'created');
      request.log.info({ keyId: record.id }, 'gateway key created');
      return reply.code(201).send({ ...keyResponse(record), key: plaintextKey });
    },
  );

  typed.get(
    '/keys',
    { schema: { tags: ['keys'], summary: 'List gateway keys', response: { 200: z.object({ data: z.array(keySchema) }), ...errorResponses } } },
    async () => ({ data: (await listKeys(db)).map(keyResponse) }),
  );

  typed.get(
    '/keys/:id',
    { schema: { tags: ['keys'], summary: 'Get a gateway key', params: idParamsSchema, response: { 200: keySchema, ...errorResponses } } },
    async (request) => {
      const record = await getKey(db, request.params.id);
      if (!record) throw keyNotFound(request.params.id);
      return keyResponse(record);
    },
  );

  typed.patch(
    '/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Change a key’s name, allowed models, expiry, strict mode, metadata, limits, budget, cache settings, guardrail policies or body logging (absent fields stay)',
        params: idParamsSchema,
        body: updateKeyBodySchema,
        response: { 200: keySchema, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      await checkCacheEmbedder(db, body.cache, 'cache');
      await checkGuardrailNames(db, body.guardrails, 'guardrails');
      const record = await updateKey(db, request.params.id, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.models !== undefined ? { models: body.models } : {}),
        ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
        ...(body.strict !== undefined ? { strict: body.strict } : {}),
        ...(body.expires_at !== undefined ? { expiresAt: body.expires_at ? new Date(body.expires_at) : null } : {}),
        limits: limitsInput(body),
        ...(body.model_limits !== undefined ? { modelLimits: modelLimitsInput(body.model_limits) } : {}),
        ...(body.cache !== undefined ? { cache: body.cache } : {}),
        ...(body.guardrails !== undefined ? { guardrails: body.guardrails } : {}),
        ...(body.log_bodies !== undefined ? { logBodies: body.log_bodies } : {}),
      });
      if (!record) throw keyNotFound(request.params.id);
      changed(record.id, 'updated');
      return keyResponse(record);
    },
  );

  typed.delete(
    '/keys/:id',
    { schema: { tags: ['keys'], summary: 'Revoke a gateway key', params: idParamsSchema, response: { 200: keySchema, ...errorResponses } } },
    async (request) => {
      const record = await revokeKey(db, request.params.id);
      if (!record) throw keyNotFound(request.params.id);
      changed(record.id, 'deleted');
      request.log.info({ keyId: record.id }, 'gateway key revoked');
      return keyResponse(record);
    },
  );
}
