'use server';

import { revalidatePath } from 'next/cache';
import { cacheEmbedderProblems, cacheScopeOf, teamCacheScope } from '@gateway/config';
import { cachePurge, type CachePurgeRequest } from '@gateway/contracts';
import { getCacheSettings, getKey, listModels, putCacheSettings } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { audit, inTransaction } from '../../../lib/audit.ts';
import { gatewayErrorCode } from '../../../lib/errors.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { publishConfigChange } from '../../../lib/config-events.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';
import { describePurgeTarget, parseCacheSettingsForm, parsePurgeForm } from '../../../lib/forms/cache-form.ts';

/** A purge waits this long for the cache service, as the admin API does: it is one counter increment there. */
const purgeTimeoutMs = 5000;

/** Replaces the gateway's cache defaults (the `gateway_settings` row `cache`), as PUT /admin/v1/settings/cache does. */
export async function saveCacheSettingsAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const parsed = parseCacheSettingsForm(formData);
  if (!parsed.ok) return refused(parsed.message);
  const db = adminHost().database.db;
  if (parsed.settings.semantic?.embedder !== undefined) {
    const [problem] = cacheEmbedderProblems(parsed.settings, new Set((await listModels(db)).map((model) => model.name)));
    if (problem) return refused(`Embedder: ${problem.message}`);
  }
  const existing = await getCacheSettings(db);
  if (existing?.source === 'file') return refused('The cache defaults are set in gateway.yaml and are read-only here; change them in the file.');
  try {
    await inTransaction(async (transaction) => {
      await putCacheSettings(transaction, parsed.settings, 'api');
      await audit(authorization.signedIn, 'cache.settings.update', { type: 'settings', id: 'cache' }, { settings: parsed.settings }, transaction);
    });
  } catch (error) {
    if (gatewayErrorCode(error) === 'conflict') return refused('The cache defaults are set in gateway.yaml and are read-only here; change them in the file.');
    throw error;
  }
  publishConfigChange('settings', 'cache', 'updated');
  revalidatePath('/cache');
  return { ok: true, message: 'Cache defaults saved.' };
}

/**
 * Purges cached answers of one model, one key (its cache scope), one shared scope or everything through
 * the cache service on the bus, as POST /admin/v1/cache/purge does.
 */
export async function purgeCacheAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const parsed = parsePurgeForm(formData);
  if (!parsed.ok) return refused(parsed.message);
  const { target } = parsed;
  let selector: CachePurgeRequest;
  let what: string;
  if ('keyId' in target) {
    const key = await getKey(adminHost().database.db, target.keyId);
    if (!key) return refused('That key no longer exists.');
    selector = { scope: cacheScopeOf(key) };
    what = key.cache?.scope === undefined ? `of key "${key.name}"` : `of key "${key.name}" (shared scope "${key.cache.scope}", every key in it)`;
  } else if ('scope' in target) {
    selector = { scope: teamCacheScope(target.scope) };
    what = `of shared scope "${target.scope}"`;
  } else if ('model' in target) {
    selector = { model: target.model };
    what = `of model "${target.model}"`;
  } else {
    selector = { all: true };
    what = 'of every model and key';
  }
  let generations: number;
  try {
    ({ removed: generations } = await adminHost().bus.request(cachePurge, selector, { timeoutMs: purgeTimeoutMs }));
  } catch (error) {
    if (gatewayErrorCode(error) === 'dependency_unavailable') {
      return refused('No cache service answered: nothing was purged; try again once the cache service runs.');
    }
    throw error;
  }
  await audit(authorization.signedIn, 'cache.purge', { type: 'cache', id: describePurgeTarget(target) }, { ...selector, generations });
  return { ok: true, message: `Cached answers ${what} purged.` };
}
