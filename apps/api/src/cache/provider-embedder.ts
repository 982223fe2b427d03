import { decodeVector, type Embedder } from '@gateway/cache-client';
import { routerPlan } from '@gateway/contracts';
import type { Bus } from '@gateway/bus';
import type { Executor } from '@gateway/providers';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';
import { costUsd } from '../usage/cost.ts';

/** The id the router sees for the cache's own embedding calls (no key's model allow-list applies to them). */
export const cacheEmbeddingKeyId = 'gateway:cache-embeddings';

/** An embedder that also says what the call cost, so the request's record can carry it. */
export interface PricedEmbedder extends Embedder {
  embedWithCost(texts: string[], requestId: string, signal?: AbortSignal): Promise<{ vectors: Float32Array[]; costUsd: number | null }>;
}

/**
 * A configured embeddings model as the semantic cache's embedder: planned by the router and run by the
 * executor like any embeddings request (fallbacks, retries and health included), without a key's
 * limits. Its dimension is learnt from the first answer; vectors of another embedder never meet it,
 * because the embedder's name is part of the semantic partition.
 */
export function createProviderEmbedder(options: { bus: Bus; executor: Executor; catalog: () => ProviderCatalog; model: string }): PricedEmbedder {
  const { bus, executor, catalog, model } = options;
  let dimensions = 0;

  const embedWithCost: PricedEmbedder['embedWithCost'] = async (texts, requestId, signal) => {
    const plan = await bus.request(routerPlan, { requestId, model, operation: 'embeddings', key: { id: cacheEmbeddingKeyId, metadata: {} } }, { context: { requestId } });
    const execution = await executor.embeddings(plan, { model, input: texts }, { requestId, ...(signal ? { signal } : {}), receivedAt: Date.now() });
    const vectors = [...execution.result.response.data]
      .sort((left, right) => left.index - right.index)
      .map(({ embedding }) => (typeof embedding === 'string' ? decodeVector(embedding) : Float32Array.from(embedding)));
    if (vectors.length !== texts.length) throw new Error(`embeddings model "${model}" answered ${vectors.length} vectors for ${texts.length} texts`);
    dimensions = vectors[0]?.length ?? dimensions;
    return { vectors, costUsd: costUsd(catalog(), model, execution.target, execution.result.usage) };
  };

  return {
    name: `model:${model}`,
    get dimensions() {
      return dimensions;
    },
    embedWithCost,
    async embed(texts, signal) {
      return (await embedWithCost(texts, 'cache-embedding', signal)).vectors;
    },
  };
}
