'use server';

import { revalidatePath } from 'next/cache';
import { modelsUsingProvider, providerInUseMessage } from '@gateway/config';
import { deleteProvider, getProviderByName, listModels, upsertProvider } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { refusedAfterError } from '../../../lib/action-errors.ts';
import { audit, inTransaction } from '../../../lib/audit.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { publishConfigChange } from '../../../lib/config-events.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';
import { parseProviderForm } from '../../../lib/forms/provider-form.ts';

/** Adds a provider or changes one made here; gateway.yaml's providers are refused (conflict). */
export async function saveProviderAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const parsed = parseProviderForm(formData);
  if (!parsed.ok) return refused(parsed.message);
  const { database, secretBox } = adminHost();
  const existing = await getProviderByName(database.db, parsed.input.name);
  if (existing?.source === 'file') return refused(`"${existing.name}" is defined in gateway.yaml and is read-only here; change it in the file.`);
  if (existing && formData.get('mode') === 'create') return refused(`A provider named "${existing.name}" exists; edit it instead.`);
  const action = existing ? 'provider.update' : 'provider.create';
  let record;
  try {
    record = await inTransaction(async (db) => {
      const saved = await upsertProvider(db, secretBox, parsed.input);
      // The audit keeps which secrets were set, never their values.
      const details = { type: saved.type, base_url: saved.baseUrl, api_key: parsed.input.apiKey === undefined ? 'kept' : 'set', header_names: saved.headerNames };
      await audit(authorization.signedIn, action, { type: 'provider', id: saved.name }, details, db);
      return saved;
    });
  } catch (error) {
    return refusedAfterError(error, action, `Provider "${parsed.input.name}" was not saved.`);
  }
  publishConfigChange('provider', record.name, existing ? 'updated' : 'created');
  revalidatePath('/providers');
  return { ok: true, message: `Provider "${record.name}" saved.` };
}

export async function deleteProviderAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const name = formData.get('name');
  if (typeof name !== 'string' || name === '') return refused('Which provider? The form names none.');
  let outcome: 'deleted' | 'missing' | { usedBy: string[] };
  try {
    outcome = await inTransaction(async (db) => {
      const usedBy = modelsUsingProvider(await listModels(db), name);
      if (usedBy.length > 0) return { usedBy };
      if (!(await deleteProvider(db, name))) return 'missing';
      await audit(authorization.signedIn, 'provider.delete', { type: 'provider', id: name }, {}, db);
      return 'deleted';
    });
  } catch (error) {
    return refusedAfterError(error, 'provider.delete', `Provider "${name}" was not deleted.`);
  }
  if (outcome === 'missing') return refused(`No provider named "${name}".`);
  if (outcome !== 'deleted') return refused(`${providerInUseMessage(name, outcome.usedBy)}.`);
  publishConfigChange('provider', name, 'deleted');
  revalidatePath('/providers');
  return { ok: true, message: `Provider "${name}" deleted.` };
}

/**
 * Tests a provider's connection by listing its models (src/provider-probe.ts, with a timeout): admins
 * only, as it sends the stored credential; the answer never carries it. Providers of gateway.yaml can
 * be tested too: nothing changes.
 */
export async function testProviderAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const name = formData.get('name');
  if (typeof name !== 'string' || name === '') return refused('Which provider? The form names none.');
  const result = await adminHost().probeProvider(name);
  await audit(authorization.signedIn, 'provider.test', { type: 'provider', id: name }, { ok: result.ok });
  return result;
}
