import { z } from 'zod';
import { providerTypes } from '@gateway/providers';
import { routingStrategies } from '@gateway/contracts';

/** Names appear in URLs (`/passthrough/<provider>`) and as `<provider>/<model>`: keep them simple. */
const nameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only');

/** A URL with a username or password would store and log a credential where none is expected. */
function hasUserInfo(url: string): boolean {
  if (!URL.canParse(url)) return false; // z.url() reports it
  const parsed = new URL(url);
  return parsed.username !== '' || parsed.password !== '';
}

const baseUrlSchema = z
  .url({ protocol: /^https?$/ })
  .refine((url) => !hasUserInfo(url), 'base_url must not contain a username or password: put credentials in api_key or headers');

/** A header name as HTTP defines it (a `token`, RFC 9110). */
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
const headerNameMessage = "not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only; no spaces or colons)";

/** CR and LF would split the header into several (request smuggling); NUL is refused by HTTP clients. */
const headerValueSchema = z.string().refine((value) => !/[\r\n\0]/.test(value), 'a header value must not contain CR, LF or NUL');

/**
 * One provider's fields, each checked on its own. A plain object schema, so `.omit()`/`.pick()` work;
 * the checks between fields are in `providerConfigProblems` (add them with `withProviderConfigChecks`).
 */
export const providerFieldsSchema = z.strictObject({
  name: nameSchema,
  type: z.enum(providerTypes),
  base_url: baseUrlSchema.optional(),
  api_key: z.string().min(1).optional(),
  /** Azure OpenAI `api-version`. */
  api_version: z.string().min(1).optional(),
  /** Extra headers sent upstream on every call (treated as secrets: encrypted at rest). */
  headers: z
    .record(headerNameSchema, headerValueSchema, { error: (issue) => (issue.code === 'invalid_key' ? headerNameMessage : undefined) })
    .optional(),
  /** Per-attempt timeout in milliseconds. */
  timeout_ms: z.number().int().positive().max(600_000).optional(),
  /** AWS region (bedrock), e.g. us-east-1; default: AWS_REGION of the API's environment. */
  region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1').optional(),
  /** AWS credentials (bedrock); without them the standard AWS credential chain is used. Secrets. */
  aws_access_key_id: z.string().min(16).optional(),
  aws_secret_access_key: z.string().min(1).optional(),
  aws_session_token: z.string().min(1).optional(),
});
export type ProviderConfig = z.infer<typeof providerFieldsSchema>;

export interface ProviderConfigProblem {
  /** Path of the field at fault, relative to the provider. */
  path: string[];
  message: string;
}

type ProviderTypeFields = Pick<
  ProviderConfig,
  'type' | 'base_url' | 'api_version' | 'region' | 'aws_access_key_id' | 'aws_secret_access_key' | 'aws_session_token'
>;

const awsFields = ['region', 'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'] as const;

/** What a provider's fields miss for its type; empty when nothing does. */
export function providerConfigProblems(provider: ProviderTypeFields): ProviderConfigProblem[] {
  const problems: ProviderConfigProblem[] = [];
  if (provider.type !== 'bedrock') {
    for (const field of awsFields) {
      if (provider[field] !== undefined) problems.push({ path: [field], message: `${field} is only for type bedrock` });
    }
  } else if ((provider.aws_access_key_id === undefined) !== (provider.aws_secret_access_key === undefined)) {
    problems.push({ path: ['aws_secret_access_key'], message: 'aws_access_key_id and aws_secret_access_key go together' });
  } else if (provider.aws_session_token !== undefined && provider.aws_access_key_id === undefined) {
    problems.push({ path: ['aws_session_token'], message: 'aws_session_token needs aws_access_key_id and aws_secret_access_key' });
  }
  if ((provider.type === 'openai-compatible' || provider.type === 'azure-openai') && !provider.base_url) {
    problems.push({ path: ['base_url'], message: `base_url is required for type ${provider.type}` });
  }
  if (provider.type === 'azure-openai' && !provider.api_version) {
    problems.push({ path: ['api_version'], message: 'api_version is required for type azure-openai' });
  }
  return problems;
}

/**
 * A provider object schema (`providerFieldsSchema` or one derived from it, e.g. without `name`) that
 * also checks `providerConfigProblems`. Refine last: zod refuses `.omit()` on a refined object.
 */
export function withProviderConfigChecks<Schema extends z.ZodType<ProviderTypeFields>>(schema: Schema): Schema {
  return schema.superRefine((provider, context) => {
    for (const problem of providerConfigProblems(provider)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });
}

export const priceSchema = z.strictObject({
  /** USD per million input tokens. */
  input_per_million: z.number().nonnegative(),
  /** USD per million output tokens. */
  output_per_million: z.number().nonnegative(),
});
export type PriceConfig = z.infer<typeof priceSchema>;

export const targetConfigSchema = z.strictObject({
  provider: nameSchema,
  model: z.string().min(1),
  weight: z.number().nonnegative().default(1),
});

export const modelConfigSchema = z.strictObject({
  name: z.string().min(1).max(200),
  strategy: z.enum(routingStrategies).optional(),
  targets: z.array(targetConfigSchema).min(1, 'a model needs at least one target'),
  price: priceSchema.optional(),
});
export type ModelConfig = z.infer<typeof modelConfigSchema>;

export const gatewayConfigSchema = z
  .strictObject({
    providers: z.array(providerFieldsSchema).default([]),
    models: z.array(modelConfigSchema).default([]),
  })
  .superRefine((config, context) => {
    const providerNames = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (providerNames.has(provider.name)) {
        context.addIssue({ code: 'custom', path: ['providers', index, 'name'], message: `duplicate provider name "${provider.name}"` });
      }
      providerNames.add(provider.name);
      for (const problem of providerConfigProblems(provider)) {
        context.addIssue({ code: 'custom', path: ['providers', index, ...problem.path], message: problem.message });
      }
    });
    const modelNames = new Set<string>();
    config.models.forEach((model, modelIndex) => {
      if (modelNames.has(model.name)) {
        context.addIssue({ code: 'custom', path: ['models', modelIndex, 'name'], message: `duplicate model name "${model.name}"` });
      }
      modelNames.add(model.name);
      model.targets.forEach((target, targetIndex) => {
        if (!providerNames.has(target.provider)) {
          context.addIssue({
            code: 'custom',
            path: ['models', modelIndex, 'targets', targetIndex, 'provider'],
            message: `unknown provider "${target.provider}" (declare it under providers)`,
          });
        }
      });
    });
  });
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
