'use server';

import { revalidatePath } from 'next/cache';
import { deleteModel, getModel, listModels, listProviders, unknownGuardrailPolicyNames, upsertModel } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { refusedAfterError } from '../../../lib/action-errors.ts';
import { audit, inTransaction } from '../../../lib/audit.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { publishConfigChange } from '../../../lib/config-events.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';
import { modelReferenceProblem, parseModelForm } from '../../../lib/forms/model-form.ts';

export async function saveModelAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const text = formData.get('model');
  if (typeof text !== 'string' || text.length > 200_000) return refused('The model is missing or too large.');
  const db = adminHost().database.db;
  const providers = new Set((await listProviders(db)).map((provider) => provider.name));
  const parsed = parseModelForm(text, providers);
  if (!parsed.ok) return refused(parsed.message);
  const original = formData.get('original');
  if (typeof original === 'string' && original !== parsed.input.name) return refused(`A model is not renamed here: add "${parsed.input.name}" as a new model, then delete "${original}".`);
  const existing = await getModel(db, parsed.input.name);
  if (existing?.source === 'file') return refused(`"${existing.name}" is defined in gateway.yaml and is read-only here; change it in the file.`);
  if (existing && original !== existing.name) return refused(`A model named "${existing.name}" exists; edit it instead.`);
  const [unknownPolicies, models] = await Promise.all([unknownGuardrailPolicyNames(db, parsed.input.guardrails ?? []), listModels(db)]);
  const problem = modelReferenceProblem(parsed.input, unknownPolicies, new Set(models.map((model) => model.name)));
  if (problem) return refused(problem);
  let record;
  try {
    record = await inTransaction(async (transaction) => {
      const saved = await upsertModel(transaction, parsed.input);
      const details = { strategy: saved.strategy, targets: saved.targets, price: saved.price, cache: saved.cache, guardrails: saved.guardrails };
      await audit(authorization.signedIn, existing ? 'model.update' : 'model.create', { type: 'model', id: saved.name }, details, transaction);
      return saved;
    });
  } catch (error) {
    return refusedAfterError(error, existing ? 'model.update' : 'model.create', `Model "${parsed.input.name}" was not saved.`);
  }
  publishConfigChange('model', record.name, existing ? 'updated' : 'created');
  revalidatePath('/models');
  return { ok: true, message: `Model "${record.name}" saved.` };
}

export async function deleteModelAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const name = formData.get('name');
  if (typeof name !== 'string' || name === '') return refused('Which model? The form names none.');
  try {
    const deleted = await inTransaction(async (db) => {
      if (!(await deleteModel(db, name))) return false;
      await audit(authorization.signedIn, 'model.delete', { type: 'model', id: name }, {}, db);
      return true;
    });
    if (!deleted) return refused(`No model named "${name}".`);
  } catch (error) {
    return refusedAfterError(error, 'model.delete', `Model "${name}" was not deleted.`);
  }
  publishConfigChange('model', name, 'deleted');
  revalidatePath('/models');
  return { ok: true, message: `Model "${name}" deleted.` };
}
