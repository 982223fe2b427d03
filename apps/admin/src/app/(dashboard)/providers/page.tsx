import { modelsUsingProvider } from '@gateway/config';
import { listModels, listProviders } from '@gateway/db';
import { ActionForm } from '../../../components/action-form.tsx';
import { ProviderFields } from '../../../components/provider-fields.tsx';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { formatTime } from '../../../lib/format.ts';
import { deleteProviderAction, saveProviderAction, testProviderAction } from './actions.ts';

export const dynamic = 'force-dynamic';

export default async function ProvidersPage() {
  const { session, csrfToken } = await requirePageSignIn();
  const { database, settings } = adminHost();
  const [providers, models] = await Promise.all([listProviders(database.db), listModels(database.db)]);
  const usedBy = (name: string) => modelsUsingProvider(models, name);
  const isAdmin = session.role === 'admin';
  return (
    <>
      <h1>Providers</h1>
      <p className="muted">
        Credentials are write-only: the dashboard never shows them again. Providers marked <span className="badge file">gateway.yaml</span> come from{' '}
        <code>{settings.configSource}</code> and are changed there.
      </p>
      {isAdmin && (
        <details className="panel">
          <summary>
            <strong>Add a provider</strong>
          </summary>
          <ActionForm action={saveProviderAction} csrf={csrfToken} submitLabel="Add provider" testId="create-provider-form" resetOnSuccess>
            <ProviderFields />
          </ActionForm>
        </details>
      )}
      <div className="table-wrap">
        <table data-testid="providers-table">
          <thead>
            <tr>
              <th>name</th>
              <th>type</th>
              <th>base URL</th>
              <th>credentials</th>
              <th>used by</th>
              <th>source</th>
              <th>updated</th>
            </tr>
          </thead>
          <tbody>
            {providers.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No providers yet.
                </td>
              </tr>
            )}
            {providers.map((provider) => (
              <tr key={provider.id}>
                <td>
                  <strong>{provider.name}</strong>
                  {isAdmin && provider.source === 'api' && (
                    <details>
                      <summary>edit</summary>
                      <ActionForm action={saveProviderAction} csrf={csrfToken} submitLabel="Save">
                        <ProviderFields record={provider} />
                      </ActionForm>
                      <ActionForm action={deleteProviderAction} csrf={csrfToken} submitLabel="Delete" variant="danger" confirm={`Delete provider "${provider.name}"?`}>
                        <input type="hidden" name="name" value={provider.name} />
                      </ActionForm>
                    </details>
                  )}
                  {isAdmin && (
                    <ActionForm action={testProviderAction} csrf={csrfToken} submitLabel="Test connection" variant="secondary" testId="test-provider-form">
                      <input type="hidden" name="name" value={provider.name} />
                    </ActionForm>
                  )}
                </td>
                <td>{provider.type}</td>
                <td className="mono">{provider.baseUrl ?? <span className="muted">default</span>}</td>
                <td>
                  {provider.hasApiKey && <span className="badge">API key set</span>} {provider.hasAwsCredentials && <span className="badge">AWS credentials set</span>}{' '}
                  {provider.headerNames.map((name) => (
                    <span key={name} className="badge">
                      header {name}
                    </span>
                  ))}
                  {!provider.hasApiKey && !provider.hasAwsCredentials && provider.headerNames.length === 0 && <span className="muted">none</span>}
                </td>
                <td>{usedBy(provider.name).join(', ') || <span className="muted">no model</span>}</td>
                <td>{provider.source === 'file' ? <span className="badge file">gateway.yaml · read-only</span> : <span className="badge">dashboard / API</span>}</td>
                <td>{formatTime(provider.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
