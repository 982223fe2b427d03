import { GatewayError } from '@gateway/contracts';
import { cacheEmbedderProblems, type CacheSettings } from '@gateway/config';
import { listModels, type Database } from '@gateway/db';

/**
 * Refuses cache settings whose `semantic.embedder` is neither `local` nor a configured model, as
 * gateway.yaml does (`also` names a model being saved in the same request). `param` is the body field
 * holding the settings ('' when they are the whole body).
 */
export async function checkCacheEmbedder(db: Database['db'], settings: CacheSettings | null | undefined, param: string, also?: string): Promise<void> {
  if (settings?.semantic?.embedder === undefined) return;
  const names = new Set((await listModels(db)).map((model) => model.name));
  if (also !== undefined) names.add(also);
  const [problem] = cacheEmbedderProblems(settings, names);
  if (problem) throw new GatewayError('invalid_request', problem.message, { param: [param, ...problem.path].filter((part) => part !== '').join('.') });
}
