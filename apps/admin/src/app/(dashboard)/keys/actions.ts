'use server';

import { revalidatePath } from 'next/cache';
import { createKey, getKey, revokeKey, unknownGuardrailPolicyNames, updateKey, type CreateKeyInput } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { audit, inTransaction } from '../../../lib/audit.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { publishConfigChange } from '../../../lib/config-events.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';
import { parseKeyForm } from '../../../lib/forms/key-form.ts';

/** What the audit log keeps of a key's settings (never the key). */
function describe(input: Omit<CreateKeyInput, 'limits'> & { limits: NonNullable<CreateKeyInput['limits']> }) {
  return {
    name: input.name,
    models: input.models ?? null,
    strict: input.strict ?? false,
    expires_at: input.expiresAt?.toISOString() ?? null,
    rpm_limit: input.limits.rpmLimit ?? null,
    tpm_limit: input.limits.tpmLimit ?? null,
    max_parallel: input.limits.maxParallel ?? null,
    budget: input.limits.budget ?? null,
    model_limits: input.modelLimits ?? null,
    guardrails: input.guardrails ?? null,
    log_bodies: input.logBodies ?? false,
    metadata: input.metadata ?? {},
  };
}

/** Why the key's guardrail policies are refused (one does not exist), as the admin API checks them. */
async function guardrailProblem(names: readonly string[] | null | undefined): Promise<string | undefined> {
  const [unknown] = await unknownGuardrailPolicyNames(adminHost().database.db, names ?? []);
  return unknown === undefined ? undefined : `There is no guardrail policy "${unknown}" (see Guardrails).`;
}

export async function createKeyAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const parsed = parseKeyForm(formData);
  if (!parsed.ok) return refused(parsed.message);
  const problem = await guardrailProblem(parsed.input.guardrails);
  if (problem) return refused(problem);
  const { record, plaintextKey } = await inTransaction(async (db) => {
    const created = await createKey(db, parsed.input);
    await audit(authorization.signedIn, 'key.create', { type: 'key', id: created.record.id }, describe(parsed.input), db);
    return created;
  });
  publishConfigChange('key', record.id, 'created');
  revalidatePath('/keys');
  return { ok: true, message: `Key "${record.name}" created.`, createdKey: { id: record.id, name: record.name, key: plaintextKey } };
}

export async function updateKeyAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const id = formData.get('id');
  if (typeof id !== 'string' || id === '') return refused('Which key? The form names none.');
  const stored = await getKey(adminHost().database.db, id);
  if (!stored) return refused(`No key with id "${id}".`);
  // The stored expiry sent back unchanged is kept, even when it has passed.
  const parsed = parseKeyForm(formData, new Date(), stored.expiresAt);
  if (!parsed.ok) return refused(parsed.message);
  const problem = await guardrailProblem(parsed.input.guardrails);
  if (problem) return refused(problem);
  const record = await inTransaction(async (db) => {
    const updated = await updateKey(db, id, parsed.input);
    if (updated) await audit(authorization.signedIn, 'key.update', { type: 'key', id: updated.id }, describe(parsed.input), db);
    return updated;
  });
  if (!record) return refused(`No key with id "${id}".`);
  publishConfigChange('key', record.id, 'updated');
  revalidatePath('/keys');
  revalidatePath(`/keys/${id}`);
  return { ok: true, message: `Key "${record.name}" saved.` };
}

export async function revokeKeyAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const id = formData.get('id');
  if (typeof id !== 'string' || id === '') return refused('Which key? The form names none.');
  const record = await inTransaction(async (db) => {
    const revoked = await revokeKey(db, id);
    if (revoked) await audit(authorization.signedIn, 'key.revoke', { type: 'key', id: revoked.id }, { name: revoked.name }, db);
    return revoked;
  });
  if (!record) return refused(`No key with id "${id}".`);
  publishConfigChange('key', record.id, 'deleted');
  revalidatePath('/keys');
  revalidatePath(`/keys/${id}`);
  return { ok: true, message: `Key "${record.name}" revoked: the gateway refuses it from now on.` };
}
