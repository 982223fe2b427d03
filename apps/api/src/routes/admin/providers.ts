import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError, configChanged } from '@gateway/contracts';
import { modelsUsingProvider, providerFieldsSchema, providerInUseMessage, withProviderConfigChecks } from '@gateway/config';
import { deleteProvider, getProviderByName, listModels, listProviders, upsertProvider, type ProviderRecord } from '@gateway/db';
import { awsCredentials } from '../../config-cache/aws-credentials.ts';
import type { AdminContext } from './admin-context.ts';
import { errorResponses, nameParamsSchema, providerSchema } from './schemas.ts';

function providerResponse(record: ProviderRecord): z.infer<typeof providerSchema> {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    base_url: record.baseUrl,
    api_version: record.apiVersion,
    timeout_ms: record.timeoutMs,
    region: record.region,
    has_api_key: record.hasApiKey,
    has_aws_credentials: record.hasAwsCredentials,
    header_names: record.headerNames,
    source: record.source,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

const notFound = (name: string) => new GatewayError('not_found', `No provider named "${name}"`, { param: 'name' });

/** Providers: same fields and validation as in gateway.yaml; credentials are write-only. */
export async function providerRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const db = context.database.db;
  const changed = (id: string, action: 'created' | 'updated' | 'deleted') =>
    context.bus.publish(configChanged, { entity: 'provider', id, action });
  const save = (body: z.infer<typeof providerFieldsSchema>) => {
    return upsertProvider(db, context.secretBox, {
      name: body.name,
      type: body.type,
      baseUrl: body.base_url ?? null,
      ...(body.api_key !== undefined ? { apiKey: body.api_key } : {}),
      apiVersion: body.api_version ?? null,
      ...(body.headers !== undefined ? { headers: body.headers } : {}),
      timeoutMs: body.timeout_ms ?? null,
      region: body.region ?? null,
      ...(body.aws_access_key_id !== undefined ? { aws: awsCredentials(body) } : {}),
      source: 'api',
    });
  };

  typed.get(
    '/providers',
    { schema: { tags: ['providers'], summary: 'List providers (without credentials)', response: { 200: z.object({ data: z.array(providerSchema) }), ...errorResponses } } },
    async () => ({ data: (await listProviders(db)).map(providerResponse) }),
  );

  typed.get(
    '/providers/:name',
    { schema: { tags: ['providers'], summary: 'Get a provider', params: nameParamsSchema, response: { 200: providerSchema, ...errorResponses } } },
    async (request) => {
      const record = await getProviderByName(db, request.params.name);
      if (!record) throw notFound(request.params.name);
      return providerResponse(record);
    },
  );

  typed.post(
    '/providers',
    { schema: { tags: ['providers'], summary: 'Add a provider', body: withProviderConfigChecks(providerFieldsSchema), response: { 201: providerSchema, ...errorResponses } } },
    async (request, reply) => {
      if (await getProviderByName(db, request.body.name)) {
        throw new GatewayError('conflict', `A provider named "${request.body.name}" exists; use PUT /admin/v1/providers/${request.body.name}`, { param: 'name' });
      }
      const record = await save(request.body);
      changed(record.name, 'created');
      return reply.code(201).send(providerResponse(record));
    },
  );

  typed.put(
    '/providers/:name',
    {
      schema: {
        tags: ['providers'],
        summary: 'Replace a provider’s settings (omit api_key/headers to keep the stored ones)',
        params: nameParamsSchema,
        body: withProviderConfigChecks(providerFieldsSchema.omit({ name: true })),
        response: { 200: providerSchema, ...errorResponses },
      },
    },
    async (request) => {
      if (!(await getProviderByName(db, request.params.name))) throw notFound(request.params.name);
      const record = await save({ ...request.body, name: request.params.name });
      changed(record.name, 'updated');
      return providerResponse(record);
    },
  );

  typed.delete(
    '/providers/:name',
    { schema: { tags: ['providers'], summary: 'Delete a provider no model uses (in its targets or fallbacks)', params: nameParamsSchema, response: { 200: z.object({ deleted: z.literal(true), name: z.string() }), ...errorResponses } } },
    async (request) => {
      const name = request.params.name;
      const users = modelsUsingProvider(await listModels(db), name);
      if (users.length > 0) throw new GatewayError('conflict', providerInUseMessage(name, users), { param: 'name' });
      if (!(await deleteProvider(db, name))) throw notFound(name);
      changed(name, 'deleted');
      return { deleted: true as const, name };
    },
  );
}
