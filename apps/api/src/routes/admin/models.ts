import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError, configChanged } from '@gateway/contracts';
import { modelConfigSchema, modelReplaceSchema, unknownProviderProblems, type ModelConfig, type RoutingSettings } from '@gateway/config';
import { deleteModel, getModel, listModels, listProviders, upsertModel, type ModelRecord } from '@gateway/db';
import type { AdminContext } from './admin-context.ts';
import { checkCacheEmbedder } from './cache-settings-checks.ts';
import { checkGuardrailNames } from './guardrail-checks.ts';
import { errorResponses, modelSchema, nameParamsSchema } from './schemas.ts';

function modelResponse(record: ModelRecord): z.infer<typeof modelSchema> {
  return {
    id: record.id,
    name: record.name,
    strategy: record.strategy,
    // Stored as validated by the same schemas (gateway.yaml or this API).
    targets: record.targets as ModelConfig['targets'],
    ...(record.routing as RoutingSettings),
    price: record.price ? { input_per_million: record.price.inputPerMillion, output_per_million: record.price.outputPerMillion } : null,
    cache: record.cache,
    guardrails: record.guardrails,
    source: record.source,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

const notFound = (name: string) => new GatewayError('not_found', `No model named "${name}"`, { param: 'name' });

/** Models (names clients send, with their targets): same validation as in gateway.yaml. */
export async function modelRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const db = context.database.db;
  const changed = (id: string, action: 'created' | 'updated' | 'deleted') =>
    context.bus.publish(configChanged, { entity: 'model', id, action });

  const save = async ({ name, strategy, targets, price, cache, guardrails, ...routing }: ModelConfig) => {
    const providers = new Set((await listProviders(db)).map((provider) => provider.name));
    const [unknown] = unknownProviderProblems({ targets, ...routing }, providers);
    if (unknown) throw new GatewayError('invalid_request', unknown.message, { param: unknown.path.join('.') });
    // The embedder may be this model itself or any configured one.
    await checkCacheEmbedder(db, cache, 'cache', name);
    await checkGuardrailNames(db, guardrails, 'guardrails');
    return upsertModel(db, {
      name,
      strategy: strategy ?? 'loadbalance',
      targets,
      price: price ? { inputPerMillion: price.input_per_million, outputPerMillion: price.output_per_million } : null,
      routing,
      cache: cache ?? null,
      guardrails: guardrails ?? null,
      source: 'api',
    });
  };

  typed.get(
    '/models',
    { schema: { tags: ['models'], summary: 'List configured models', response: { 200: z.object({ data: z.array(modelSchema) }), ...errorResponses } } },
    async () => ({ data: (await listModels(db)).map(modelResponse) }),
  );

  typed.get(
    '/models/:name',
    { schema: { tags: ['models'], summary: 'Get a model', params: nameParamsSchema, response: { 200: modelSchema, ...errorResponses } } },
    async (request) => {
      const record = await getModel(db, request.params.name);
      if (!record) throw notFound(request.params.name);
      return modelResponse(record);
    },
  );

  typed.post(
    '/models',
    { schema: { tags: ['models'], summary: 'Add a model', body: modelConfigSchema, response: { 201: modelSchema, ...errorResponses } } },
    async (request, reply) => {
      if (await getModel(db, request.body.name)) {
        throw new GatewayError('conflict', `A model named "${request.body.name}" exists; use PUT /admin/v1/models/${request.body.name}`, { param: 'name' });
      }
      const record = await save(request.body);
      changed(record.name, 'created');
      return reply.code(201).send(modelResponse(record));
    },
  );

  typed.put(
    '/models/:name',
    {
      schema: {
        tags: ['models'],
        summary: 'Replace a model’s strategy, targets, routing settings, price, cache settings and guardrail policies',
        params: nameParamsSchema,
        body: modelReplaceSchema,
        response: { 200: modelSchema, ...errorResponses },
      },
    },
    async (request) => {
      if (!(await getModel(db, request.params.name))) throw notFound(request.params.name);
      const record = await save({ ...request.body, name: request.params.name });
      changed(record.name, 'updated');
      return modelResponse(record);
    },
  );

  typed.delete(
    '/models/:name',
    { schema: { tags: ['models'], summary: 'Delete a model nothing else names (cache embedders, keys’ allowed models: 409 naming them)', params: nameParamsSchema, response: { 200: z.object({ deleted: z.literal(true), name: z.string() }), ...errorResponses } } },
    async (request) => {
      if (!(await deleteModel(db, request.params.name))) throw notFound(request.params.name);
      changed(request.params.name, 'deleted');
      return { deleted: true as const, name: request.params.name };
    },
  );
}
