'use server';

import { revalidatePath } from 'next/cache';
import { getModel, listProviders, upsertModel } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { refusedAfterError } from '../../../lib/action-errors.ts';
import { audit, inTransaction } from '../../../lib/audit.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { publishConfigChange } from '../../../lib/config-events.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';
import { parseRoutingForm } from '../../../lib/forms/routing-form.ts';

/**
 * Replaces one model's routing (strategy, targets, retry, timeouts, hedging, fallbacks, conditions),
 * keeping its price, cache settings and guardrail policies as stored; validated as gateway.yaml is,
 * saved as the Models page saves a model, and announced so the routers reload it.
 */
export async function saveRoutingAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const name = formData.get('name');
  if (typeof name !== 'string' || name === '') return refused('Which model? The form names none.');
  const text = formData.get('routing');
  if (typeof text !== 'string' || text.length > 200_000) return refused('The routing is missing or too large.');
  const db = adminHost().database.db;
  const existing = await getModel(db, name);
  if (!existing) return refused(`No model named "${name}".`);
  if (existing.source === 'file') return refused(`"${existing.name}" is defined in gateway.yaml and is read-only here; change it in the file.`);
  const providers = new Set((await listProviders(db)).map((provider) => provider.name));
  const parsed = parseRoutingForm(text, existing, providers);
  if (!parsed.ok) return refused(parsed.message);
  let record;
  try {
    record = await inTransaction(async (transaction) => {
      const saved = await upsertModel(transaction, parsed.input);
      await audit(authorization.signedIn, 'model.routing.update', { type: 'model', id: saved.name }, { strategy: saved.strategy, targets: saved.targets, routing: saved.routing }, transaction);
      return saved;
    });
  } catch (error) {
    return refusedAfterError(error, 'model.routing.update', `The routing of "${name}" was not saved.`);
  }
  publishConfigChange('model', record.name, 'updated');
  revalidatePath('/routing');
  revalidatePath('/models');
  return { ok: true, message: `Routing of "${record.name}" saved.` };
}
