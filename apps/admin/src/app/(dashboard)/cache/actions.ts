'use server';

import { revalidatePath } from 'next/cache';
import { cacheEmbedderProblems } from '@gateway/config';
import { cachePurge } from '@gateway/contracts';
import { getCacheSettings, listModels, putCacheSettings } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { audit } from '../../../lib/audit.ts';
import { gatewayErrorCode } from '../../../lib/errors.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { publishConfigChange } from '../../../lib/config-events.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';
import { parseCacheSettingsForm, parsePurgeForm } from '../../../lib/forms/cache-form.ts';

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
    await putCacheSettings(db, parsed.settings, 'api');
  } catch (error) {
    if (gatewayErrorCode(error) === 'conflict') return refused('The cache defaults are set in gateway.yaml and are read-only here; change them in the file.');
    throw error;
  }
  publishConfigChange('settings', 'cache', 'updated');
  await audit(authorization.signedIn, 'cache.settings.update', { type: 'settings', id: 'cache' }, { settings: parsed.settings });
  revalidatePath('/cache');
  return { ok: true, message: 'Cache defaults saved.' };
}

/** Purges cached answers of one model or all of them through the cache service on the bus, as POST /admin/v1/cache/purge does. */
export async function purgeCacheAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const parsed = parsePurgeForm(formData);
  if (!parsed.ok) return refused(parsed.message);
  let generations: number;
  try {
    ({ removed: generations } = await adminHost().bus.request(cachePurge, parsed.selector, { timeoutMs: purgeTimeoutMs }));
  } catch (error) {
    if (gatewayErrorCode(error) === 'dependency_unavailable') {
      return refused('No cache service answered: nothing was purged; try again once the cache service runs.');
    }
    throw error;
  }
  await audit(authorization.signedIn, 'cache.purge', { type: 'cache', id: 'all' in parsed.selector ? 'all' : `model:${parsed.selector.model}` }, { ...parsed.selector, generations });
  const what = 'model' in parsed.selector && parsed.selector.model !== undefined ? `of model "${parsed.selector.model}"` : 'of every model and key';
  return { ok: true, message: `Cached answers ${what} purged.` };
}
