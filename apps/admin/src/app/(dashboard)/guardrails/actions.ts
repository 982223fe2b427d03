'use server';

import { revalidatePath } from 'next/cache';
import { deleteGuardrailPolicy, getGuardrailPolicy, guardrailPolicyUsers, upsertGuardrailPolicy } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { audit, inTransaction } from '../../../lib/audit.ts';
import { gatewayErrorCode } from '../../../lib/errors.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { publishConfigChange } from '../../../lib/config-events.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';
import { parseGuardrailPolicyForm } from '../../../lib/forms/guardrail-form.ts';

const readOnly = (name: string) => `"${name}" is defined in gateway.yaml and is read-only here; change it in the file.`;

/** Adds (mode=create) or replaces (mode=edit) a guardrail policy, as POST and PUT /admin/v1/guardrails do. */
export async function saveGuardrailPolicyAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const parsed = parseGuardrailPolicyForm(formData);
  if (!parsed.ok) return refused(parsed.message);
  const { name } = parsed.input;
  const db = adminHost().database.db;
  const existing = await getGuardrailPolicy(db, name);
  const editing = formData.get('mode') === 'edit';
  if (existing?.source === 'file') return refused(readOnly(name));
  if (existing && !editing) return refused(`A guardrail policy named "${name}" exists; edit it instead.`);
  if (!existing && editing) return refused(`No guardrail policy named "${name}".`);
  let record;
  try {
    record = await inTransaction(async (transaction) => {
      const saved = await upsertGuardrailPolicy(transaction, parsed.input);
      const details = { checks: saved.checks, on_error: saved.onError };
      await audit(authorization.signedIn, existing ? 'guardrail.update' : 'guardrail.create', { type: 'guardrail', id: saved.name }, details, transaction);
      return saved;
    });
  } catch (error) {
    if (gatewayErrorCode(error) === 'conflict') return refused(readOnly(name));
    throw error;
  }
  publishConfigChange('guardrail', record.name, existing ? 'updated' : 'created');
  revalidatePath('/guardrails');
  return { ok: true, message: `Guardrail policy "${record.name}" saved.` };
}

/** Deletes a policy; refused while a model or key names it (the message names them) and for a policy of gateway.yaml. */
export async function deleteGuardrailPolicyAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const name = formData.get('name');
  if (typeof name !== 'string' || name === '') return refused('Which policy? The form names none.');
  const db = adminHost().database.db;
  try {
    const deleted = await inTransaction(async (transaction) => {
      if (!(await deleteGuardrailPolicy(transaction, name))) return false;
      await audit(authorization.signedIn, 'guardrail.delete', { type: 'guardrail', id: name }, {}, transaction);
      return true;
    });
    if (!deleted) return refused(`No guardrail policy named "${name}".`);
  } catch (error) {
    if (gatewayErrorCode(error) === 'conflict') {
      const existing = await getGuardrailPolicy(db, name);
      if (existing?.source === 'file') return refused(readOnly(name));
      const users = await guardrailPolicyUsers(db, name);
      const named = [...users.models.map((model) => `model "${model}"`), ...users.keys.map((key) => `key "${key.name}"`)];
      return refused(`"${name}" is still named by ${named.join(', ')}: remove it from them first.`);
    }
    throw error;
  }
  publishConfigChange('guardrail', name, 'deleted');
  revalidatePath('/guardrails');
  return { ok: true, message: `Guardrail policy "${name}" deleted.` };
}
