import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError, configChanged } from '@gateway/contracts';
import { guardrailPolicyConfigSchema } from '@gateway/config';
import { deleteGuardrailPolicy, getGuardrailPolicy, listGuardrailPolicies, upsertGuardrailPolicy, type GuardrailPolicyRecord } from '@gateway/db';
import type { AdminContext } from './admin-context.ts';
import { errorResponses, guardrailPolicyReplaceSchema, guardrailPolicyResponseSchema, nameParamsSchema } from './schemas.ts';

function policyResponse(record: GuardrailPolicyRecord): z.infer<typeof guardrailPolicyResponseSchema> {
  return {
    name: record.name,
    checks: record.checks,
    on_error: record.onError,
    source: record.source,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

const notFound = (name: string) => new GatewayError('not_found', `No guardrail policy named "${name}"`, { param: 'name' });

/**
 * Guardrail policies (what gateway.yaml's `guardrails:` declares): same validation as in the file;
 * policies from the file are read-only here. Every change is announced, so the API's catalog reloads.
 */
export async function guardrailRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const db = context.database.db;
  const changed = (name: string, action: 'created' | 'updated' | 'deleted') =>
    context.bus.publish(configChanged, { entity: 'guardrail', id: name, action });

  typed.get(
    '/guardrails',
    {
      schema: {
        tags: ['guardrails'],
        summary: 'List guardrail policies',
        response: { 200: z.object({ data: z.array(guardrailPolicyResponseSchema) }), ...errorResponses },
      },
    },
    async () => ({ data: (await listGuardrailPolicies(db)).map(policyResponse) }),
  );

  typed.get(
    '/guardrails/:name',
    {
      schema: { tags: ['guardrails'], summary: 'Get a guardrail policy', params: nameParamsSchema, response: { 200: guardrailPolicyResponseSchema, ...errorResponses } },
    },
    async (request) => {
      const record = await getGuardrailPolicy(db, request.params.name);
      if (!record) throw notFound(request.params.name);
      return policyResponse(record);
    },
  );

  typed.post(
    '/guardrails',
    {
      schema: {
        tags: ['guardrails'],
        summary: 'Add a guardrail policy (checks with an action and a phase each, and what to do when the guardrail service cannot be reached)',
        body: guardrailPolicyConfigSchema,
        response: { 201: guardrailPolicyResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name, checks, on_error } = request.body;
      if (await getGuardrailPolicy(db, name)) {
        throw new GatewayError('conflict', `A guardrail policy named "${name}" exists; use PUT /admin/v1/guardrails/${name}`, { param: 'name' });
      }
      const record = await upsertGuardrailPolicy(db, { name, checks, onError: on_error, source: 'api' });
      changed(record.name, 'created');
      request.log.info({ policy: record.name }, 'guardrail policy created');
      return reply.code(201).send(policyResponse(record));
    },
  );

  typed.put(
    '/guardrails/:name',
    {
      schema: {
        tags: ['guardrails'],
        summary: 'Replace a guardrail policy’s checks and on_error (refused for a policy of gateway.yaml)',
        params: nameParamsSchema,
        body: guardrailPolicyReplaceSchema,
        response: { 200: guardrailPolicyResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (!(await getGuardrailPolicy(db, name))) throw notFound(name);
      const record = await upsertGuardrailPolicy(db, { name, checks: request.body.checks, onError: request.body.on_error, source: 'api' });
      changed(record.name, 'updated');
      request.log.info({ policy: record.name }, 'guardrail policy replaced');
      return policyResponse(record);
    },
  );

  typed.delete(
    '/guardrails/:name',
    {
      schema: {
        tags: ['guardrails'],
        summary: 'Delete a guardrail policy (refused while a model or key names it, and for a policy of gateway.yaml)',
        params: nameParamsSchema,
        response: { 200: z.object({ deleted: z.literal(true), name: z.string() }), ...errorResponses },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (!(await deleteGuardrailPolicy(db, name))) throw notFound(name);
      changed(name, 'deleted');
      request.log.info({ policy: name }, 'guardrail policy deleted');
      return { deleted: true as const, name };
    },
  );
}
