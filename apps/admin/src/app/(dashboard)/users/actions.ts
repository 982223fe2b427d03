'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { countActiveAdmins, createAdminUser, deleteAdminSessionsOfUser, getAdminUser, updateAdminUser, type AdminRole } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { audit, inTransaction } from '../../../lib/audit.ts';
import { hashPassword, passwordProblem } from '../../../lib/auth/password.ts';
import { authorizeMutation } from '../../../lib/auth/session.ts';
import { refused, type ActionState } from '../../../lib/forms/action-state.ts';

const newUserSchema = z.object({ email: z.email().max(320), role: z.enum(['admin', 'viewer']), password: z.string() });

export async function createUserAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const parsed = newUserSchema.safeParse({ email: formData.get('email'), role: formData.get('role'), password: formData.get('password') });
  if (!parsed.success) return refused('Give an email address, a role and a password.');
  const problem = passwordProblem(parsed.data.password);
  if (problem) return refused(problem);
  const passwordHash = await hashPassword(parsed.data.password);
  try {
    const user = await inTransaction(async (db) => {
      const created = await createAdminUser(db, { email: parsed.data.email, role: parsed.data.role, passwordHash });
      await audit(authorization.signedIn, 'user.create', { type: 'user', id: created.id }, { email: created.email, role: created.role }, db);
      return created;
    });
    revalidatePath('/users');
    return { ok: true, message: `${user.email} can now sign in as ${user.role}.` };
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return refused('A user with this email exists.');
    throw error;
  }
}

/** Changes a user's role or enables/disables it; the last enabled admin stays an enabled admin. */
export async function updateUserAction(_previous: ActionState | null, formData: FormData): Promise<ActionState> {
  const authorization = await authorizeMutation(formData);
  if (!authorization.ok) return refused(authorization.message);
  const id = formData.get('id');
  const role = formData.get('role');
  const disabled = formData.get('disabled');
  if (typeof id !== 'string') return refused('Which user? The form names none.');
  const db = adminHost().database.db;
  const user = await getAdminUser(db, id);
  if (!user) return refused('No such user.');
  const change: { role?: AdminRole; disabled?: boolean } = {
    ...(role === 'admin' || role === 'viewer' ? { role } : {}),
    ...(disabled === 'true' || disabled === 'false' ? { disabled: disabled === 'true' } : {}),
  };
  const losesAdmin = user.role === 'admin' && user.disabledAt === null && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
  if (losesAdmin && (await countActiveAdmins(db)) <= 1) return refused('This is the last enabled admin: make another admin first.');
  const updated = await inTransaction(async (transaction) => {
    const saved = await updateAdminUser(transaction, id, change);
    if (!saved) return undefined;
    if (change.disabled) await deleteAdminSessionsOfUser(transaction, id);
    await audit(authorization.signedIn, 'user.update', { type: 'user', id }, { email: saved.email, ...change }, transaction);
    return saved;
  });
  if (!updated) return refused('No such user.');
  revalidatePath('/users');
  return { ok: true, message: `${updated.email}: ${updated.role}${updated.disabledAt ? ', disabled' : ''}.` };
}
