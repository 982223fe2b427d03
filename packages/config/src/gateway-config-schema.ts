import { z } from 'zod';
import { providerTypes } from '@gateway/providers';
import { routingStrategies } from '@gateway/contracts';

/** Names appear in URLs (`/passthrough/<provider>`) and as `<provider>/<model>`: keep them simple. */
const nameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only');

export const providerConfigSchema = z.strictObject({
  name: nameSchema,
  type: z.enum(providerTypes),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key: z.string().min(1).optional(),
  /** Azure OpenAI `api-version`. */
  api_version: z.string().min(1).optional(),
  /** Extra headers sent upstream on every call (treated as secrets: encrypted at rest). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Per-attempt timeout in milliseconds. */
  timeout_ms: z.number().int().positive().max(600_000).optional(),
});
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

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
    providers: z.array(providerConfigSchema).default([]),
    models: z.array(modelConfigSchema).default([]),
  })
  .superRefine((config, context) => {
    const providerNames = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (providerNames.has(provider.name)) {
        context.addIssue({ code: 'custom', path: ['providers', index, 'name'], message: `duplicate provider name "${provider.name}"` });
      }
      providerNames.add(provider.name);
      if ((provider.type === 'openai-compatible' || provider.type === 'azure-openai') && !provider.base_url) {
        context.addIssue({ code: 'custom', path: ['providers', index, 'base_url'], message: `base_url is required for type ${provider.type}` });
      }
      if (provider.type === 'azure-openai' && !provider.api_version) {
        context.addIssue({ code: 'custom', path: ['providers', index, 'api_version'], message: 'api_version is required for type azure-openai' });
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
