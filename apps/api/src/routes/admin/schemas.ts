import { z } from 'zod';
import { cacheStatuses, guardrailCheckSchema, guardrailPolicySchema, guardrailVerdictSchema } from '@gateway/contracts';
import {
  cacheScopeNameSchema,
  cacheSettingsSchema,
  guardrailCheckProblems,
  guardrailNamesSchema,
  keyCacheSettingsSchema,
  routingSettingsSchema,
  targetConfigSchema,
} from '@gateway/config';

/** Admin API wire shapes (snake_case, like gateway.yaml). */
export const errorResponseSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    code: z.string().nullable(),
    param: z.string().nullable(),
    request_id: z.string().optional(),
    source: z.string().optional(),
  }),
});

export const errorResponses = {
  400: errorResponseSchema,
  401: errorResponseSchema,
  404: errorResponseSchema,
  409: errorResponseSchema,
  500: errorResponseSchema,
} as const;

const limitCount = (what: string) => z.number().int().positive().max(1_000_000_000).nullable().describe(`${what}; null = no limit`);

export const budgetSchema = z
  .strictObject({
    max_usd: z.number().nonnegative().max(1_000_000).describe('USD the key may spend per period (0 blocks every call)'),
    period: z.enum(['daily', 'weekly', 'monthly']).describe('UTC calendar period: day, ISO week from Monday, month'),
  })
  .describe('USD budget per period; null = no budget');

/** The limit fields of a key, and (all optional) of one model in `model_limits`. */
const limitFields = {
  rpm_limit: limitCount('Requests per minute (fixed minute windows)'),
  tpm_limit: limitCount('Tokens (input + output) per minute'),
  max_parallel: limitCount('Requests in flight at once'),
  budget: budgetSchema.nullable(),
};

export const modelLimitsSchema = z
  .record(z.string().min(1).max(200), z.strictObject(limitFields).partial())
  .nullable()
  .describe('Limits per model name (the `model` a request names), applied on top of the key’s own; null = none');

export const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  key_prefix: z.string().describe('The first characters of the key, to tell keys apart'),
  models: z.array(z.string()).nullable().describe('Model names the key may use; null = all'),
  metadata: z.record(z.string(), z.unknown()),
  strict: z.boolean().describe('Strict mode for every request: what a provider cannot do is a 400, not a warning'),
  ...limitFields,
  model_limits: modelLimitsSchema,
  cache: keyCacheSettingsSchema.nullable().describe('The key’s cache settings (over the model’s); scope = keys sharing one cache; null = none'),
  guardrails: z.array(z.string()).nullable().describe('Guardrail policies applied to every request of the key, in order; null = none'),
  log_bodies: z.boolean().describe('Whether the prompts and completions of the key’s chat requests are logged (secrets scrubbed, 32 Ki characters each)'),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  state: z.enum(['active', 'revoked', 'expired']),
  created_at: z.string(),
  updated_at: z.string(),
  last_used_at: z.string().nullable(),
});

export const createdKeySchema = keySchema.extend({
  key: z.string().describe('The gateway key. Shown only in this response; store it now.'),
});

export const createKeyBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  models: z.array(z.string().min(1)).nullable().optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().optional(),
  rpm_limit: limitFields.rpm_limit.optional(),
  tpm_limit: limitFields.tpm_limit.optional(),
  max_parallel: limitFields.max_parallel.optional(),
  budget: limitFields.budget.optional(),
  model_limits: modelLimitsSchema.optional(),
  cache: keyCacheSettingsSchema
    .nullable()
    .optional()
    .describe('Cache settings over the model’s (mode, ttl, semantic); scope: keys with the same scope share a cache (default: the key’s own); null clears'),
  guardrails: guardrailNamesSchema
    .nullable()
    .optional()
    .describe('Names of guardrail policies (GET /admin/v1/guardrails) applied to every request of the key, in order; a request may add more with x-gateway-guardrails; null clears'),
  log_bodies: z
    .boolean()
    .optional()
    .describe('Log the prompt (as sent upstream, after guardrail redaction) and the completion of each chat request, secrets replaced by <SECRET_n>, at most 32 Ki characters each (default false)'),
});

export const updateKeyBodySchema = createKeyBodySchema.partial();

export const idParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const nameParamsSchema = z.object({ name: z.string().min(1).max(200) });

export const providerSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  base_url: z.string().nullable(),
  api_version: z.string().nullable(),
  timeout_ms: z.number().nullable(),
  region: z.string().nullable(),
  has_api_key: z.boolean().describe('Credentials are write-only: never returned'),
  has_aws_credentials: z.boolean().describe('AWS credentials (bedrock) are write-only: never returned'),
  header_names: z.array(z.string()),
  source: z.enum(['file', 'api']).describe('file = from gateway.yaml, read-only here'),
  created_at: z.string(),
  updated_at: z.string(),
});

export const modelSchema = z.object({
  id: z.string(),
  name: z.string(),
  strategy: z.string(),
  targets: z.array(targetConfigSchema).describe('Deployments (provider, model…) or nested groups (strategy, targets…), as in gateway.yaml'),
  ...routingSettingsSchema.shape,
  price: z.object({ input_per_million: z.number(), output_per_million: z.number() }).nullable(),
  cache: cacheSettingsSchema.nullable().describe('The model’s cache settings (over the gateway’s `cache` defaults); null = the defaults'),
  guardrails: z.array(z.string()).nullable().describe('Guardrail policies applied to every request to the model, in order; null = none'),
  source: z.enum(['file', 'api']),
  created_at: z.string(),
  updated_at: z.string(),
});

export const usageRecordSchema = z.object({
  request_id: z.string().describe('The gateway’s own id of the call (x-gateway-request-id)'),
  client_request_id: z.string().nullable().describe('The x-request-id the caller sent, if any'),
  created_at: z.string(),
  key_id: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  provider_model: z.string().nullable(),
  endpoint: z.string(),
  stream: z.boolean(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cached_input_tokens: z.number().describe('Of input_tokens, read from the provider’s prompt cache'),
  reasoning_tokens: z.number().describe('Of output_tokens, spent on reasoning'),
  cost_usd: z.number().nullable(),
  latency_ms: z.number(),
  overhead_ms: z.number(),
  status: z.number(),
  error_code: z.string().nullable(),
  attempts: z.number(),
  attempt_log: z
    .array(
      z.object({
        provider: z.string(),
        model: z.string(),
        status: z.number(),
        latency_ms: z.number(),
        start_ms: z.number().describe('When the attempt started, in ms after the request arrived'),
        error_code: z.string().nullable(),
        retry: z.number().nullable().describe('Which retry of its target (1 = the first retry); null on a target’s first call'),
        hedge: z.boolean().describe('The duplicate sent by hedging'),
        fallback: z.string().nullable().describe('The target came from the plan’s fallbacks for this kind of refusal'),
      }),
    )
    .describe('Each provider attempt in the order they ended (at most 20); empty when none was made or logged'),
  strategy: z.string().nullable().describe('The router’s strategy for the request'),
  routing_reason: z.string().nullable().describe('Why the router ordered the targets as it did'),
  flags: z.array(z.string()).describe('What happened beyond a plain call: retried, hedged, continued, idempotent_replay, fallback_…'),
  cache_status: z.enum(cacheStatuses).nullable().describe('What the response cache did; null = caching off for the request'),
  cost_saved_usd: z.number().nullable().describe('On a cache hit: what the original provider call cost'),
  guardrails: z
    .array(guardrailVerdictSchema)
    .nullable()
    .describe('What each guardrail check decided: policy, check, action, verdict, entity types with counts, score; never a value found. null = no policy applied'),
});

export const usageQuerySchema = z.strictObject({
  request_id: z.string().max(128).optional().describe('Matches the gateway’s id or the caller’s x-request-id'),
  key_id: z.string().optional(),
  model: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive lower bound (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive upper bound (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});

export const usageResponseSchema = z.object({
  data: z.array(usageRecordSchema),
  next_cursor: z.string().nullable(),
  summary: z.object({
    requests: z.number(),
    input_tokens: z.number(),
    output_tokens: z.number(),
    cost_usd: z.number(),
    errors: z.number(),
  }),
});

/** GET /usage/:request_id/bodies. */
export const usageBodiesParamsSchema = z.object({ request_id: z.string().min(1).max(128) });

export const usageBodiesResponseSchema = z.object({
  request_id: z.string(),
  created_at: z.string(),
  prompt: z.string().nullable().describe('The prompt as sent upstream (after guardrail redaction), as text; secrets replaced by <SECRET_n>'),
  completion: z.string().nullable().describe('The completion as the client got it (text and tool calls); null when there was none'),
  prompt_truncated: z.boolean().describe('The prompt was cut at 32 Ki characters'),
  completion_truncated: z.boolean(),
});

/** GET and PUT /settings/cache answer. */
export const cacheSettingsResponseSchema = z.object({
  settings: cacheSettingsSchema.nullable().describe('The gateway’s cache defaults as set; null = none set'),
  source: z.enum(['file', 'api']).nullable().describe('file = from gateway.yaml, read-only here; null = none set'),
  updated_at: z.string().nullable(),
  effective: z
    .object({
      mode: z.enum(['off', 'exact', 'semantic']),
      ttl: z.number(),
      semantic: z.object({ threshold: z.number(), embedder: z.string() }),
    })
    .describe('What a model and key without settings of their own get: these defaults over the built-in ones'),
});

const purgeSelectors = ['key_id', 'scope', 'model', 'all'] as const;

export const cachePurgeBodySchema = z
  .strictObject({
    key_id: z.string().min(1).max(100).optional().describe('Purge this key’s cache (its shared scope when it has one)'),
    scope: cacheScopeNameSchema.optional().describe('Purge the cache shared by the keys with this cache.scope'),
    model: z.string().min(1).max(200).optional().describe('Purge every entry of this model, in every scope'),
    all: z.literal(true).optional().describe('Purge everything'),
  })
  .superRefine((body, context) => {
    const given = purgeSelectors.filter((selector) => body[selector] !== undefined);
    if (given.length !== 1) {
      context.addIssue({ code: 'custom', path: [], message: 'give exactly one of key_id, scope, model or all: true' });
    }
  });

export const cachePurgeResponseSchema = z.object({
  purged: z
    .object({ key_id: z.string().optional(), scope: z.string().optional(), model: z.string().optional(), all: z.literal(true).optional() })
    .describe('The selector, as given'),
  generations: z.number().int().describe('Cache generations retired: purged entries are unreachable at once and expire by their TTL'),
});

/** A guardrail policy as the admin API answers it (checks as gateway.yaml writes them, defaults filled in). */
export const guardrailPolicyResponseSchema = z.object({
  name: z.string(),
  checks: z.array(guardrailCheckSchema),
  on_error: z.enum(['fail_open', 'fail_closed']).describe('When the guardrail service cannot be reached: let the request through, or refuse it'),
  source: z.enum(['file', 'api']).describe('file = from gateway.yaml, read-only here'),
  created_at: z.string(),
  updated_at: z.string(),
});

/** PUT /guardrails/:name: a policy without its name, checked as gateway.yaml's are (patterns compile, reversible only on input redaction). */
export const guardrailPolicyReplaceSchema = guardrailPolicySchema.omit({ name: true }).superRefine((policy, context) => {
  policy.checks.forEach((check, index) => {
    for (const problem of guardrailCheckProblems(check)) context.addIssue({ code: 'custom', path: ['checks', index, ...problem.path], message: problem.message });
  });
});
