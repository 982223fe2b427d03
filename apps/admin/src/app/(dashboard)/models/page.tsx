import { listModels, type ModelTarget } from '@gateway/db';
import { ActionForm } from '../../../components/action-form.tsx';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { modelText } from '../../../lib/forms/model-form.ts';
import { formatTime } from '../../../lib/format.ts';
import { deleteModelAction, saveModelAction } from './actions.ts';

export const dynamic = 'force-dynamic';

function describeTarget(target: ModelTarget): string {
  if (target.targets) return `${target.name ?? 'group'} (${String(target.strategy ?? 'loadbalance')}: ${target.targets.map(describeTarget).join(', ')})`;
  return `${target.provider ?? '?'}/${target.model ?? '?'}${target.weight !== undefined ? ` ×${target.weight}` : ''}`;
}

const example = JSON.stringify({ name: 'fast', strategy: 'fallback', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini' }], price: { input_per_million: 0.15, output_per_million: 0.6 } }, null, 2);

export default async function ModelsPage() {
  const { session, csrfToken } = await requirePageSignIn();
  const { database, settings } = adminHost();
  const models = await listModels(database.db);
  const isAdmin = session.role === 'admin';
  return (
    <>
      <h1>Models</h1>
      <p className="muted">
        The names clients send as <code>model</code>, with their targets, weights, routing, prices, cache settings (<code>cache</code>) and guardrail policies (<code>guardrails</code>). Written as in gateway.yaml and validated the same way. Models marked{' '}
        <span className="badge file">gateway.yaml</span> come from <code>{settings.configSource}</code> and are read-only here.
      </p>
      {isAdmin && (
        <details className="panel">
          <summary>
            <strong>Add a model</strong>
          </summary>
          <ActionForm action={saveModelAction} csrf={csrfToken} submitLabel="Add model" resetOnSuccess>
            <label>
              Model (JSON)
              <textarea name="model" rows={10} defaultValue={example} />
            </label>
          </ActionForm>
        </details>
      )}
      <div className="table-wrap">
        <table data-testid="models-table">
          <thead>
            <tr>
              <th>name</th>
              <th>strategy</th>
              <th>targets</th>
              <th className="num">price in / out (USD per M tokens)</th>
              <th>cache · guardrails</th>
              <th>source</th>
              <th>updated</th>
            </tr>
          </thead>
          <tbody>
            {models.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No models yet.
                </td>
              </tr>
            )}
            {models.map((model) => (
              <tr key={model.id}>
                <td>
                  <strong>{model.name}</strong>
                  {isAdmin && model.source === 'api' && (
                    <details>
                      <summary>edit</summary>
                      <ActionForm action={saveModelAction} csrf={csrfToken} submitLabel="Save">
                        <input type="hidden" name="original" value={model.name} />
                        <textarea name="model" rows={10} defaultValue={modelText(model)} style={{ width: '100%' }} />
                      </ActionForm>
                      <ActionForm action={deleteModelAction} csrf={csrfToken} submitLabel="Delete" variant="danger" confirm={`Delete model "${model.name}"?`}>
                        <input type="hidden" name="name" value={model.name} />
                      </ActionForm>
                    </details>
                  )}
                </td>
                <td>{model.strategy}</td>
                <td>{model.targets.map(describeTarget).join(' · ')}</td>
                <td className="num">{model.price ? `${model.price.inputPerMillion} / ${model.price.outputPerMillion}` : <span className="muted">catalog</span>}</td>
                <td>
                  {model.cache ? <code>{JSON.stringify(model.cache)}</code> : <span className="muted">defaults</span>}
                  {' · '}
                  {model.guardrails && model.guardrails.length > 0 ? model.guardrails.join(', ') : <span className="muted">no policies</span>}
                </td>
                <td>{model.source === 'file' ? <span className="badge file">gateway.yaml · read-only</span> : <span className="badge">dashboard / API</span>}</td>
                <td>{formatTime(model.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
