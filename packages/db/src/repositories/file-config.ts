import { sql, type Kysely } from 'kysely';
import type { SecretBox } from '../secret-box.ts';
import type { Schema } from '../schema.ts';
import { upsertGuardrailPolicy, type GuardrailPolicyInput } from './guardrail-policies.ts';
import { upsertModel, type ModelInput } from './models.ts';
import { upsertProvider, type ProviderInput } from './providers.ts';
import { deleteFileCacheSettings, putCacheSettings, type StoredCacheSettings } from './settings.ts';

export interface FileConfig {
  providers: Omit<ProviderInput, 'source'>[];
  models: Omit<ModelInput, 'source'>[];
  /** The `cache:` section (defaults for every model); absent or null when the file has none. */
  cache?: StoredCacheSettings | null;
  /** The `guardrails:` section (policies); absent when the file has none. */
  guardrails?: Omit<GuardrailPolicyInput, 'source'>[];
}

export interface ReconcileOutcome {
  providers: { upserted: string[]; removed: string[] };
  models: { upserted: string[]; removed: string[] };
  guardrails: { upserted: string[]; removed: string[] };
}

/** Serialises concurrent reconciles (several replicas starting together); any fixed number works. */
const reconcileLockId = 727_001;

/**
 * Makes the database match gateway.yaml, in one transaction: every provider and model of the file is
 * upserted with source `file`, and `file` rows no longer in the file are deleted. Rows created through
 * the admin API (`api`) are left alone, except on a name clash: then the file wins and takes the row
 * over (it becomes `file`, read-only in the dashboard), because the file is what the platform team
 * reviewed. The file is the whole truth for its rows: a provider without `apiKey` in the file has none.
 */
export async function reconcileFileConfig(db: Kysely<Schema>, box: SecretBox, config: FileConfig): Promise<ReconcileOutcome> {
  return db.transaction().execute(async (transaction) => {
    await sql`select pg_advisory_xact_lock(${reconcileLockId})`.execute(transaction);

    for (const provider of config.providers) {
      await upsertProvider(transaction, box, {
        ...provider,
        baseUrl: provider.baseUrl ?? null,
        apiKey: provider.apiKey ?? null,
        headers: provider.headers ?? null,
        aws: provider.aws ?? null,
        source: 'file',
      });
    }
    // Policies before models, so that a model of the file names policies that are there.
    for (const policy of config.guardrails ?? []) {
      await upsertGuardrailPolicy(transaction, { ...policy, source: 'file' });
    }
    for (const model of config.models) {
      await upsertModel(transaction, {
        ...model,
        price: model.price ?? null,
        routing: model.routing ?? {},
        cache: model.cache ?? null,
        guardrails: model.guardrails ?? null,
        source: 'file',
      });
    }
    // The cache defaults follow the same rule: the file's section wins over one set through the API,
    // and a section that left the file takes its row with it (an API row stays).
    if (config.cache) await putCacheSettings(transaction, config.cache, 'file');
    else await deleteFileCacheSettings(transaction);

    const providerNames = config.providers.map((provider) => provider.name);
    const modelNames = config.models.map((model) => model.name);
    const guardrailNames = (config.guardrails ?? []).map((policy) => policy.name);
    const removedProviders = await transaction
      .deleteFrom('providers')
      .where('source', '=', 'file')
      .$if(providerNames.length > 0, (query) => query.where('name', 'not in', providerNames))
      .returning('name')
      .execute();
    const removedModels = await transaction
      .deleteFrom('models')
      .where('source', '=', 'file')
      .$if(modelNames.length > 0, (query) => query.where('name', 'not in', modelNames))
      .returning('name')
      .execute();
    // A policy that left the file goes even if an API model or key still names it: the file is the
    // truth for its rows (the API's catalog then has no policy of that name, as for a removed provider).
    const removedGuardrails = await transaction
      .deleteFrom('guardrail_policies')
      .where('source', '=', 'file')
      .$if(guardrailNames.length > 0, (query) => query.where('name', 'not in', guardrailNames))
      .returning('name')
      .execute();

    return {
      providers: { upserted: providerNames, removed: removedProviders.map((row) => row.name).sort() },
      models: { upserted: modelNames, removed: removedModels.map((row) => row.name).sort() },
      guardrails: { upserted: guardrailNames, removed: removedGuardrails.map((row) => row.name).sort() },
    };
  });
}
