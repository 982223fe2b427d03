import { guardrailPolicyUsers, listGuardrailPolicies } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { formatTime } from '../../../lib/format.ts';

export const dynamic = 'force-dynamic';

/** Guardrail policies and who uses them; read-only here for now (the admin API and gateway.yaml change them). */
export default async function GuardrailsPage() {
  await requirePageSignIn();
  const { database, settings } = adminHost();
  const policies = await listGuardrailPolicies(database.db);
  const users = await Promise.all(policies.map((policy) => guardrailPolicyUsers(database.db, policy.name)));
  return (
    <>
      <h1>Guardrails</h1>
      <p className="muted">
        Policies run in the order a key or model lists them; each check looks at the input, the output or both. Policies marked <span className="badge file">gateway.yaml</span> come from{' '}
        <code>{settings.configSource}</code>. Editing policies here is not available yet: use gateway.yaml or <code>/admin/v1/guardrails</code>; a key&apos;s policies are set on its page.
      </p>
      <div className="table-wrap">
        <table data-testid="guardrails-table">
          <thead>
            <tr>
              <th>policy</th>
              <th>checks</th>
              <th>on error</th>
              <th>used by</th>
              <th>source</th>
              <th>updated</th>
            </tr>
          </thead>
          <tbody>
            {policies.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No guardrail policies.
                </td>
              </tr>
            )}
            {policies.map((policy, index) => {
              const usedBy = users[index];
              const names = [...(usedBy?.models.map((model) => `model ${model}`) ?? []), ...(usedBy?.keys.map((key) => `key ${key.name}`) ?? [])];
              return (
                <tr key={policy.name}>
                  <td>
                    <strong>{policy.name}</strong>
                  </td>
                  <td>
                    {policy.checks.map((check, position) => (
                      <div key={position}>
                        {position + 1}. {check.type} → {check.action} <span className="muted">({check.phase})</span>
                      </div>
                    ))}
                  </td>
                  <td>{policy.onError}</td>
                  <td>{names.length === 0 ? <span className="muted">nothing</span> : names.join(', ')}</td>
                  <td>{policy.source === 'file' ? <span className="badge file">gateway.yaml · read-only</span> : <span className="badge">API</span>}</td>
                  <td>{formatTime(policy.updatedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
