import { recordAudit } from '@gateway/db';
import { adminHost } from '../host.ts';
import type { SignedIn } from './auth/session.ts';

/** Writes who did what to which entity; details never carry secrets (keys, credentials, passwords). */
export async function audit(
  signedIn: SignedIn,
  action: string,
  target: { type: string; id: string } | undefined,
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordAudit(adminHost().database.db, {
    actorId: signedIn.session.userId,
    actorEmail: signedIn.session.email,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    details,
  });
}
