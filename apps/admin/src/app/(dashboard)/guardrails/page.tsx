import { guardrailPolicyUsers, listGuardrailPolicies } from '@gateway/db';
import { ActionForm } from '../../../components/action-form.tsx';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { guardrailChecksText } from '../../../lib/forms/guardrail-form.ts';
import { formatTime } from '../../../lib/format.ts';
import { deleteGuardrailPolicyAction, saveGuardrailPolicyAction } from './actions.ts';

export const dynamic = 'force-dynamic';

const example = JSON.stringify(
  [
    { type: 'pii', entities: ['EMAIL_ADDRESS', 'CREDIT_CARD'], action: 'redact', phase: 'input' },
    { type: 'prompt_injection', threshold: 0.8, action: 'deny' },
  ],
  null,
  2,
);

function OnErrorField({ value }: { value?: string }) {
  return (
    <label>
      When the guardrail service cannot be reached
      <select name="on_error" defaultValue={value ?? 'fail_closed'}>
        <option value="fail_closed">fail_closed: refuse the request</option>
        <option value="fail_open">fail_open: let it through unchecked</option>
      </select>
    </label>
  );
}

/** Guardrail policies and who uses them: add, edit and delete those not from gateway.yaml. */
export default async function GuardrailsPage() {
  const { session, csrfToken } = await requirePageSignIn();
  const isAdmin = session.role === 'admin';
  const { database, settings } = adminHost();
  const policies = await listGuardrailPolicies(database.db);
  const users = await Promise.all(policies.map((policy) => guardrailPolicyUsers(database.db, policy.name)));
  return (
    <>
      <h1>Guardrails</h1>
      <p className="muted">
        Policies run in the order a key or model lists them; each check looks at the input, the output or both. Policies marked <span className="badge file">gateway.yaml</span> come from{' '}
        <code>{settings.configSource}</code> and are read-only here. Checks are written as JSON, as under <code>guardrails[].checks</code> in gateway.yaml, and validated the same way; a key&apos;s policies are set on its page, a model&apos;s in its JSON. A policy still named by a model or key cannot be deleted.
      </p>
      {!isAdmin && <p className="readonly-note">You are signed in as a viewer: you can see everything but change nothing.</p>}
      {isAdmin && (
        <details className="panel">
          <summary>
            <strong>Add a policy</strong>
          </summary>
          <ActionForm action={saveGuardrailPolicyAction} csrf={csrfToken} submitLabel="Add policy" testId="create-guardrail-form" resetOnSuccess>
            <input type="hidden" name="mode" value="create" />
            <div className="form-grid">
              <label>
                Name
                <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" maxLength={100} />
              </label>
              <OnErrorField />
              <label className="wide">
                Checks (JSON)
                <textarea name="checks" rows={8} defaultValue={example} />
              </label>
            </div>
          </ActionForm>
        </details>
      )}
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
                  <td data-policy={policy.name}>
                    <strong>{policy.name}</strong>
                    {isAdmin && policy.source === 'api' && (
                      <details>
                        <summary>edit</summary>
                        <ActionForm action={saveGuardrailPolicyAction} csrf={csrfToken} submitLabel="Save" testId="edit-guardrail-form">
                          <input type="hidden" name="mode" value="edit" />
                          <input type="hidden" name="name" value={policy.name} />
                          <OnErrorField value={policy.onError} />
                          <textarea name="checks" rows={8} defaultValue={guardrailChecksText(policy)} style={{ width: '100%' }} />
                        </ActionForm>
                        <ActionForm action={deleteGuardrailPolicyAction} csrf={csrfToken} submitLabel="Delete" variant="danger" confirm={`Delete guardrail policy "${policy.name}"?`} testId="delete-guardrail-form">
                          <input type="hidden" name="name" value={policy.name} />
                        </ActionForm>
                      </details>
                    )}
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
                  <td>{policy.source === 'file' ? <span className="badge file">gateway.yaml · read-only</span> : <span className="badge">dashboard / API</span>}</td>
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
