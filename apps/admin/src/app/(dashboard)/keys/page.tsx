import Link from 'next/link';
import { keyState, listGuardrailPolicies, listKeys, type KeyRecord } from '@gateway/db';
import { ActionForm } from '../../../components/action-form.tsx';
import { KeyFields } from '../../../components/key-fields.tsx';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { keySpend } from '../../../lib/data/key-spend.ts';
import { formatCount, formatTime, formatUsd } from '../../../lib/format.ts';
import { createKeyAction, revokeKeyAction } from './actions.ts';

export const dynamic = 'force-dynamic';

function limitsSummary(record: KeyRecord): string {
  const parts = [
    record.limits.rpmLimit != null ? `${formatCount(record.limits.rpmLimit)} rpm` : undefined,
    record.limits.tpmLimit != null ? `${formatCount(record.limits.tpmLimit)} tpm` : undefined,
    record.limits.maxParallel != null ? `${record.limits.maxParallel} parallel` : undefined,
    record.modelLimits ? `per-model: ${Object.keys(record.modelLimits).join(', ')}` : undefined,
    record.guardrails ? `guardrails: ${record.guardrails.join(', ')}` : undefined,
    record.logBodies ? 'bodies logged' : undefined,
  ].filter(Boolean);
  return parts.length === 0 ? 'none' : parts.join(' · ');
}

export default async function KeysPage() {
  const { session, csrfToken } = await requirePageSignIn();
  const db = adminHost().database.db;
  const [keys, policies] = await Promise.all([listKeys(db), listGuardrailPolicies(db)]);
  const spend = await keySpend(db, keys);
  const isAdmin = session.role === 'admin';
  return (
    <>
      <h1>Keys</h1>
      {isAdmin ? (
        <details className="panel" open>
          <summary>
            <strong>Create a key</strong>
          </summary>
          <ActionForm action={createKeyAction} csrf={csrfToken} submitLabel="Create key" testId="create-key-form" resetOnSuccess>
            <KeyFields policies={policies.map((policy) => policy.name)} />
          </ActionForm>
        </details>
      ) : (
        <p className="readonly-note">You are signed in as a viewer: you can see everything but change nothing.</p>
      )}
      <div className="table-wrap">
        <table data-testid="keys-table">
          <thead>
            <tr>
              <th>name</th>
              <th>key</th>
              <th>state</th>
              <th>models</th>
              <th>limits</th>
              <th className="num">spend / budget</th>
              <th>last used</th>
              <th>created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.length === 0 && (
              <tr>
                <td colSpan={9} className="muted">
                  No keys yet.
                </td>
              </tr>
            )}
            {keys.map((record) => {
              const state = keyState(record);
              const spent = spend.get(record.id);
              const budget = record.limits.budget;
              return (
                <tr key={record.id} data-key-id={record.id}>
                  <td>
                    <Link href={`/keys/${encodeURIComponent(record.id)}`}>{record.name}</Link>
                    <div className="muted mono">{record.id}</div>
                  </td>
                  <td className="mono">{record.keyPrefix}…</td>
                  <td>
                    <span className={`badge ${state === 'active' ? 'ok' : 'error'}`} data-testid="key-state">
                      {state}
                    </span>
                  </td>
                  <td>{record.models?.join(', ') ?? <span className="muted">all</span>}</td>
                  <td>{limitsSummary(record)}</td>
                  <td className="num">
                    {formatUsd(spent?.usd ?? 0)}
                    {budget ? ` / ${formatUsd(budget.maxUsd)} ${budget.period}` : <span className="muted"> (30 days)</span>}
                  </td>
                  <td>{formatTime(record.lastUsedAt)}</td>
                  <td>{formatTime(record.createdAt)}</td>
                  <td>
                    {isAdmin && state !== 'revoked' && (
                      <ActionForm action={revokeKeyAction} csrf={csrfToken} submitLabel="Revoke" variant="danger" inline confirm={`Revoke "${record.name}"? Clients using it will be refused.`} testId="revoke-key-form">
                        <input type="hidden" name="id" value={record.id} />
                      </ActionForm>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
