import { createAdapter, type AdapterOptions, type ProviderAdapter, type ProviderType } from '@gateway/providers';
import type { CacheSettings } from '@gateway/config';
import type { GuardrailPolicy } from '@gateway/contracts';
import { getCacheSettings, listGuardrailPolicies, listModels, listProvidersWithSecrets, toGuardrailPolicy, type Database, type SecretBox } from '@gateway/db';

export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** The API's in-memory view of providers (with live adapters) and model prices. */
export interface ProviderCatalog {
  adapters: ReadonlyMap<string, ProviderAdapter>;
  providerTypes: ReadonlyMap<string, ProviderType>;
  /** Price overrides per configured model name. */
  modelPrices: ReadonlyMap<string, ModelPrice>;
  /** Configured model names, for lookups on the request path. */
  modelNames: ReadonlySet<string>;
  /** Configured models, as `GET /v1/models` lists them. */
  models: ReadonlyArray<{ id: string; object: 'model'; created: number; owned_by: string }>;
  /** Providers whose adapter could not be built, with the reason (logged at start). */
  unavailable: ReadonlyMap<string, string>;
  /** The gateway's cache defaults (`cache:` of gateway.yaml or the admin API); null when none are set. */
  cacheDefaults: CacheSettings | null;
  /** Cache settings per configured model name, for the models that have any. */
  modelCache: ReadonlyMap<string, CacheSettings>;
  /** Guardrail policies by name (gateway.yaml's and the admin API's), as the guardrail.v1 contract carries them. */
  guardrailPolicies: ReadonlyMap<string, GuardrailPolicy>;
  /** Names of the guardrail policies per configured model name, in order, for the models that have any. */
  modelGuardrails: ReadonlyMap<string, string[]>;
}

export async function loadProviderCatalog(
  database: Database,
  secretBox: SecretBox,
  adapterOptions: AdapterOptions,
): Promise<ProviderCatalog> {
  const [providers, models, cacheDefaults, policies] = await Promise.all([
    listProvidersWithSecrets(database.db, secretBox),
    listModels(database.db),
    getCacheSettings(database.db),
    listGuardrailPolicies(database.db),
  ]);
  const adapters = new Map<string, ProviderAdapter>();
  const providerTypes = new Map<string, ProviderType>();
  const unavailable = new Map<string, string>();
  for (const provider of providers) {
    providerTypes.set(provider.name, provider.type as ProviderType);
    try {
      adapters.set(
        provider.name,
        createAdapter(
          {
            name: provider.name,
            type: provider.type as ProviderType,
            ...(provider.baseUrl ? { baseUrl: provider.baseUrl } : {}),
            ...(provider.apiKey ? { apiKey: provider.apiKey } : {}),
            ...(provider.apiVersion ? { apiVersion: provider.apiVersion } : {}),
            ...(provider.headers ? { headers: provider.headers } : {}),
            ...(provider.timeoutMs ? { timeoutMs: provider.timeoutMs } : {}),
            ...(provider.region ? { region: provider.region } : {}),
            ...(provider.aws ? { aws: provider.aws } : {}),
          },
          adapterOptions,
        ),
      );
    } catch (error) {
      unavailable.set(provider.name, error instanceof Error ? error.message : 'cannot create adapter');
    }
  }
  const modelPrices = new Map<string, ModelPrice>();
  // Cache settings were validated by @gateway/config before they were stored (gateway.yaml or the admin API).
  const modelCache = new Map<string, CacheSettings>();
  // Policies too were validated before they were stored (guardrailPolicyConfigSchema), checks with their defaults.
  const guardrailPolicies = new Map(policies.map((policy) => [policy.name, toGuardrailPolicy(policy)]));
  const modelGuardrails = new Map<string, string[]>();
  for (const model of models) {
    if (model.price) modelPrices.set(model.name, model.price);
    if (model.cache) modelCache.set(model.name, model.cache);
    if (model.guardrails && model.guardrails.length > 0) modelGuardrails.set(model.name, model.guardrails);
  }
  const listed = models.map((model) => ({
    id: model.name,
    object: 'model' as const,
    created: Math.floor(model.createdAt.getTime() / 1000),
    owned_by: 'gateway',
  }));
  return {
    adapters,
    providerTypes,
    modelPrices,
    modelNames: new Set(models.map((model) => model.name)),
    models: listed,
    unavailable,
    cacheDefaults: cacheDefaults?.value ?? null,
    modelCache,
    guardrailPolicies,
    modelGuardrails,
  };
}
