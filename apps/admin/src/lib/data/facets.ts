import { adminUsageFacets, listKeys, listModels, listProviders } from '@gateway/db';
import { adminHost } from '../../host.ts';

/** Choices for the filter pickers: configured keys, models and providers, and whatever the usage names. */
export async function loadFacets(range: { from?: Date; to?: Date }) {
  const db = adminHost().database.db;
  const [seen, keys, models, providers] = await Promise.all([adminUsageFacets(db, range), listKeys(db), listModels(db), listProviders(db)]);
  const names = new Map(keys.map((key) => [key.id, key.name]));
  const keyIds = [...new Set([...keys.map((key) => key.id), ...seen.keyIds])];
  return {
    models: [...new Set([...models.map((model) => model.name), ...seen.models])].sort(),
    providers: [...new Set([...providers.map((provider) => provider.name), ...seen.providers])].sort(),
    keys: keyIds.map((id) => ({ id, name: names.get(id) ?? 'deleted key' })),
    keyNames: names,
  };
}
