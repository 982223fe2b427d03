import { z } from 'zod';
import { providerTypes } from '@gateway/providers';
import { defaultRetryPolicy, routingStrategies } from '@gateway/contracts';
import { configQueryLimits, inlineQueryLimits, queryProblems, type QueryLimits } from './routing-query.ts';
import { guardrailNamesSchema, guardrailPoliciesConfigSchema, unknownGuardrailProblems } from './guardrail-config.ts';
import { cacheEmbedderProblems, cacheSettingsSchema } from './cache-config.ts';

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

/** A price per target accepts both spellings: `input_per_mtok` (issue 4, portable) and `input_per_million`. */
export const targetPriceSchema = z.strictObject({
  input_per_mtok: z.number().nonnegative().optional(),
  output_per_mtok: z.number().nonnegative().optional(),
  input_per_million: z.number().nonnegative().optional(),
  output_per_million: z.number().nonnegative().optional(),
});
export type TargetPriceConfig = z.infer<typeof targetPriceSchema>;

/** USD per million tokens of a target price, whichever spelling it used; undefined when incomplete. */
export function targetPricePerMillion(price: TargetPriceConfig | undefined): { inputPerMillion: number; outputPerMillion: number } | undefined {
  if (!price) return undefined;
  const input = price.input_per_mtok ?? price.input_per_million;
  const output = price.output_per_mtok ?? price.output_per_million;
  return input === undefined || output === undefined ? undefined : { inputPerMillion: input, outputPerMillion: output };
}

/** `retry`: every field optional; what is left out comes from the enclosing group, the model, then the defaults. */
export const retryConfigSchema = z.strictObject({
  /** Retries after the first attempt on the same target (default 2). */
  attempts: z.number().int().min(0).max(10).optional(),
  on_status_codes: z.array(z.number().int().min(100).max(599)).optional(),
  initial_backoff_ms: z.number().int().nonnegative().max(600_000).optional(),
  max_backoff_ms: z.number().int().nonnegative().max(600_000).optional(),
  max_retry_after_ms: z.number().int().nonnegative().max(3_600_000).optional(),
});
export type RetryConfig = z.infer<typeof retryConfigSchema>;

/** The defaults of `retry` (documented in docs/routing.md). */
export const defaultRetry = {
  attempts: defaultRetryPolicy.attempts,
  on_status_codes: defaultRetryPolicy.onStatusCodes,
  initial_backoff_ms: defaultRetryPolicy.initialBackoffMs,
  max_backoff_ms: defaultRetryPolicy.maxBackoffMs,
  max_retry_after_ms: defaultRetryPolicy.maxRetryAfterMs,
} as const;

/** One `conditions` rule of the conditional strategy: the first whose `when` matches picks `then`. */
export const conditionSchema = z.strictObject({
  /** A query (see routing-query.ts): checked by `queryProblems` in the model checks. */
  when: z.record(z.string(), z.unknown()),
  /** The `name` of one of the group's own targets (a leaf or a group). */
  then: z.string().min(1),
});
export type ConditionConfig = z.infer<typeof conditionSchema>;

const timeoutSchema = z.number().int().positive().max(3_600_000);

/**
 * A target is a deployment (`provider` + `model`) or a group (`targets`, with its own `strategy`):
 * one schema for both, so unknown fields and bad values are reported at their position; which fields
 * go with which kind is checked by `targetProblems`.
 */
export const targetConfigSchema = z.strictObject({
  /** Needed to be named by `conditions[].then` or `default`; unique within the group. */
  name: z.string().min(1).max(100).optional(),
  provider: nameSchema.optional(),
  model: z.string().min(1).optional(),
  weight: z.number().nonnegative().default(1),
  price: targetPriceSchema.optional(),
  /** The deployment's own limits, for the `usage` strategy. */
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  /** Per attempt: the whole call, the first token of a stream, the gap between chunks. */
  timeout_ms: timeoutSchema.optional(),
  ttft_timeout_ms: timeoutSchema.optional(),
  idle_timeout_ms: timeoutSchema.optional(),
  retry: retryConfigSchema.optional(),
  /** A group: its strategy orders its own targets. */
  strategy: z.enum(routingStrategies).optional(),
  conditions: z.array(conditionSchema).optional(),
  default: z.string().min(1).optional(),
  get targets(): z.ZodOptional<z.ZodArray<typeof targetConfigSchema>> {
    return z.array(targetConfigSchema).min(1, 'a group needs at least one target').optional();
  },
});
export type TargetConfig = z.infer<typeof targetConfigSchema>;

/** A model's routing settings: everything but its name, targets and price (stored as models.routing). */
export const routingSettingsSchema = z.strictObject({
  retry: retryConfigSchema.optional(),
  /** The request's default deadline; `x-gateway-timeout-ms` may shorten it. */
  timeout_ms: timeoutSchema.optional(),
  hedge: z.strictObject({ after_ms: z.number().int().positive().max(600_000) }).optional(),
  fallbacks: z
    .strictObject({ context_window: z.array(targetConfigSchema).min(1).optional(), content_policy: z.array(targetConfigSchema).min(1).optional() })
    .optional(),
  conditions: z.array(conditionSchema).optional(),
  default: z.string().min(1).optional(),
});
export type RoutingSettings = z.infer<typeof routingSettingsSchema>;

const modelFields = {
  strategy: z.enum(routingStrategies).optional(),
  targets: z.array(targetConfigSchema).min(1, 'a model needs at least one target'),
  ...routingSettingsSchema.shape,
};

export interface ModelProblem {
  /** Relative to the model entry (or the inline config). */
  path: Array<string | number>;
  message: string;
}

const leafOnly = ['provider', 'model', 'price', 'rpm', 'tpm', 'timeout_ms', 'ttft_timeout_ms', 'idle_timeout_ms'] as const;
const groupOnly = ['strategy', 'conditions', 'default'] as const;

/** The checks between fields of a group (a model, a nested group or an inline config) and its targets. */
function groupProblems(
  group: { strategy?: string | undefined; targets: readonly TargetConfig[]; conditions?: readonly ConditionConfig[] | undefined; default?: string | undefined },
  path: Array<string | number>,
  limits: QueryLimits,
  problems: ModelProblem[],
): void {
  const names = new Set<string>();
  group.targets.forEach((target, index) => {
    if (target.name === undefined) return;
    if (names.has(target.name)) problems.push({ path: [...path, 'targets', index, 'name'], message: `duplicate target name "${target.name}" in this group` });
    names.add(target.name);
  });
  if (group.strategy === 'conditional') {
    if (!group.conditions || group.conditions.length === 0) {
      problems.push({ path: [...path, 'strategy'], message: 'strategy conditional needs conditions: [{ when, then }]' });
    }
  } else {
    if (group.conditions) problems.push({ path: [...path, 'conditions'], message: 'conditions are only for strategy conditional' });
    if (group.default !== undefined) problems.push({ path: [...path, 'default'], message: 'default is only for strategy conditional' });
  }
  group.conditions?.forEach((condition, index) => {
    for (const problem of queryProblems(condition.when, limits)) problems.push({ path: [...path, 'conditions', index, 'when', ...problem.path], message: problem.message });
    if (!names.has(condition.then)) {
      problems.push({ path: [...path, 'conditions', index, 'then'], message: `"${condition.then}" names no target of this group (give one of its targets name: ${condition.then})` });
    }
  });
  if (group.default !== undefined && !names.has(group.default)) {
    problems.push({ path: [...path, 'default'], message: `"${group.default}" names no target of this group` });
  }
  group.targets.forEach((target, index) => targetProblems(target, [...path, 'targets', index], limits, problems));
}

function targetProblems(target: TargetConfig, path: Array<string | number>, limits: QueryLimits, problems: ModelProblem[]): void {
  if (target.targets) {
    for (const field of leafOnly) {
      if (target[field] !== undefined) problems.push({ path: [...path, field], message: `${field} is for a deployment, not a group (a target has either provider and model, or targets)` });
    }
    groupProblems({ ...target, targets: target.targets }, path, limits, problems);
    return;
  }
  if (target.provider === undefined) problems.push({ path: [...path, 'provider'], message: 'a target needs provider and model (or targets, for a group)' });
  if (target.model === undefined) problems.push({ path: [...path, 'model'], message: 'a target needs provider and model (or targets, for a group)' });
  for (const field of groupOnly) {
    if (target[field] !== undefined) problems.push({ path: [...path, field], message: `${field} is for a group of targets` });
  }
  if (target.price && !targetPricePerMillion(target.price)) {
    problems.push({ path: [...path, 'price'], message: 'a price needs input_per_mtok and output_per_mtok (or input_per_million and output_per_million)' });
  }
}

type RoutingTree = {
  strategy?: string | undefined;
  targets: readonly TargetConfig[];
  conditions?: readonly ConditionConfig[] | undefined;
  default?: string | undefined;
  fallbacks?: RoutingSettings['fallbacks'];
};

/**
 * Everything about a model's routing that one field alone cannot say: group versus deployment fields,
 * conditions, their queries and the target names they pick, at any depth and in `fallbacks`.
 */
export function modelRoutingProblems(model: RoutingTree, limits: QueryLimits = configQueryLimits): ModelProblem[] {
  const problems: ModelProblem[] = [];
  groupProblems(model, [], limits, problems);
  for (const kind of ['context_window', 'content_policy'] as const) {
    model.fallbacks?.[kind]?.forEach((target, index) => targetProblems(target, ['fallbacks', kind, index], limits, problems));
  }
  return problems;
}

/** Every deployment of a model (at any depth, and in `fallbacks`), with its path from the model entry. */
export function modelDeployments(model: RoutingTree): Array<{ provider: string; model: string; path: Array<string | number> }> {
  const found: Array<{ provider: string; model: string; path: Array<string | number> }> = [];
  const visit = (target: TargetConfig, path: Array<string | number>) => {
    if (target.provider !== undefined && target.model !== undefined) found.push({ provider: target.provider, model: target.model, path });
    target.targets?.forEach((child, index) => visit(child, [...path, 'targets', index]));
  };
  model.targets.forEach((target, index) => visit(target, ['targets', index]));
  for (const kind of ['context_window', 'content_policy'] as const) {
    model.fallbacks?.[kind]?.forEach((target, index) => visit(target, ['fallbacks', kind, index]));
  }
  return found;
}

/** Targets naming a provider not in `providers`, with the path of their `provider` field. */
export function unknownProviderProblems(model: RoutingTree, providers: ReadonlySet<string>): ModelProblem[] {
  return modelDeployments(model)
    .filter((deployment) => !providers.has(deployment.provider))
    .map((deployment) => ({ path: [...deployment.path, 'provider'], message: `unknown provider "${deployment.provider}" (declare it under providers)` }));
}

/**
 * A model as the database keeps it: its targets, and its routing settings (`fallbacks`, `retry`…)
 * apart, both validated by these schemas before they were stored.
 */
export interface StoredModelRouting {
  name: string;
  targets: readonly unknown[];
  routing: Readonly<Record<string, unknown>>;
}

/**
 * Names of the models that send requests to `provider`: a deployment naming it at any depth of their
 * targets or in their `fallbacks` (found as `unknownProviderProblems` finds them), in the order given.
 */
export function modelsUsingProvider(models: readonly StoredModelRouting[], provider: string): string[] {
  return models
    .filter((model) => {
      const tree = { ...(model.routing as RoutingSettings), targets: model.targets as readonly TargetConfig[] };
      return modelDeployments(tree).some((deployment) => deployment.provider === provider);
    })
    .map((model) => model.name);
}

/** Why a provider cannot be deleted while models use it, naming them (the admin API and the dashboard say the same). */
export function providerInUseMessage(provider: string, models: readonly string[]): string {
  return `Provider "${provider}" is used by model(s) ${models.map((model) => `"${model}"`).join(', ')} (targets or fallbacks): change them first`;
}

/** A model entry's fields, each checked on its own (`.omit()` works); see `modelConfigSchema` for the whole checks. */
export const modelFieldsSchema = z.strictObject({
  name: z.string().min(1).max(200),
  ...modelFields,
  /** The model's price when a target has none (USD per million tokens); overrides the catalog. */
  price: priceSchema.optional(),
  /** Guardrail policies (names under `guardrails:`) that apply to every request to this model, in order. */
  guardrails: guardrailNamesSchema.optional(),
  /** Cache settings of this model (over the top-level `cache:`); not in `x-gateway-config`. */
  cache: cacheSettingsSchema.optional(),
});

function withModelChecks<Schema extends z.ZodType<RoutingTree>>(schema: Schema, limits: QueryLimits): Schema {
  return schema.superRefine((model, context) => {
    for (const problem of modelRoutingProblems(model, limits)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });
}

/** A model as gateway.yaml and the admin API take it (providers are checked by the caller, who knows them). */
export const modelConfigSchema = withModelChecks(modelFieldsSchema, configQueryLimits);
export type ModelConfig = z.infer<typeof modelFieldsSchema>;
/** The admin API's PUT body: a model without its name. */
export const modelReplaceSchema = withModelChecks(modelFieldsSchema.omit({ name: true }), configQueryLimits);

/**
 * `x-gateway-config`: a model entry without `name` (nor `price`), with tighter limits on client-written
 * regular expressions. Providers and the key's rights are checked by the router.
 */
export const inlineRoutingConfigSchema = withModelChecks(z.strictObject(modelFields), inlineQueryLimits);
export type InlineRoutingConfig = z.infer<typeof inlineRoutingConfigSchema>;

export const gatewayConfigSchema = z
  .strictObject({
    providers: z.array(providerFieldsSchema).default([]),
    models: z.array(modelConfigSchema).default([]),
    guardrails: guardrailPoliciesConfigSchema.optional(),
    /** Cache defaults for every model. */
    cache: cacheSettingsSchema.optional(),
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
    const guardrailNames = new Set((config.guardrails ?? []).map((policy) => policy.name));
    const modelNames = new Set<string>();
    config.models.forEach((model, modelIndex) => {
      if (modelNames.has(model.name)) {
        context.addIssue({ code: 'custom', path: ['models', modelIndex, 'name'], message: `duplicate model name "${model.name}"` });
      }
      modelNames.add(model.name);
      for (const problem of unknownProviderProblems(model, providerNames)) {
        context.addIssue({ code: 'custom', path: ['models', modelIndex, ...problem.path], message: problem.message });
      }
      for (const problem of unknownGuardrailProblems(model.guardrails, guardrailNames)) {
        context.addIssue({ code: 'custom', path: ['models', modelIndex, 'guardrails', ...problem.path], message: problem.message });
      }
    });
    // An embedder names a model anywhere in the file (declared before or after).
    const allModelNames = new Set(config.models.map((model) => model.name));
    for (const problem of cacheEmbedderProblems(config.cache, allModelNames)) {
      context.addIssue({ code: 'custom', path: ['cache', ...problem.path], message: problem.message });
    }
    config.models.forEach((model, modelIndex) => {
      for (const problem of cacheEmbedderProblems(model.cache, allModelNames)) {
        context.addIssue({ code: 'custom', path: ['models', modelIndex, 'cache', ...problem.path], message: problem.message });
      }
    });
  });
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
