import { cacheScopeOf, localEmbedder, resolveCacheSettings } from '@gateway/config';
import { createLocalEmbedderAdapter, type Embedder } from '@gateway/cache-client';
import type { Bus } from '@gateway/bus';
import type { Executor } from '@gateway/providers';
import type { CachedKey } from '../auth/key-cache.ts';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';
import { createProviderEmbedder } from './provider-embedder.ts';
import type { RequestCacheSettings } from './response-cache.ts';

/**
 * The cache settings of a request of `key` to the planned `model`: the key's, else the model's, else
 * the gateway's defaults (field by field, see resolveCacheSettings); null when the mode is `off`.
 */
export function requestCacheSettings(catalog: ProviderCatalog, key: CachedKey, model: string): RequestCacheSettings | null {
  const resolved = resolveCacheSettings(catalog.cacheDefaults, catalog.modelCache.get(model), key.cache);
  if (resolved.mode === 'off') return null;
  return {
    mode: resolved.mode,
    ttlSeconds: resolved.ttlSeconds,
    threshold: resolved.threshold,
    embedder: resolved.embedder,
    scope: cacheScopeOf(key),
  };
}

/**
 * The embedders the semantic cache can use: the built-in local one, and each configured model by name
 * (an embeddings model, run through the router and the executor). One instance per name, kept.
 */
export function cacheEmbedders(options: { bus: Bus; executor: Executor; catalog: () => ProviderCatalog }): (name: string) => Embedder | undefined {
  const local = createLocalEmbedderAdapter();
  const byModel = new Map<string, Embedder>();
  return (name) => {
    if (name === localEmbedder) return local;
    let embedder = byModel.get(name);
    if (!embedder) {
      embedder = createProviderEmbedder({ ...options, model: name });
      byModel.set(name, embedder);
    }
    return embedder;
  };
}
