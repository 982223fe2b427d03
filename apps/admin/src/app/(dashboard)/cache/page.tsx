import { builtInCacheSettings, localEmbedder, resolveCacheSettings } from '@gateway/config';
import { getCacheSettings, listKeys, listModels } from '@gateway/db';
import { ActionForm } from '../../../components/action-form.tsx';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { formatTime } from '../../../lib/format.ts';
import { purgeCacheAction, saveCacheSettingsAction } from './actions.ts';

export const dynamic = 'force-dynamic';

/** The gateway's cache defaults (for every model and key without settings of their own), and purging cached answers. */
export default async function CachePage() {
  const { session, csrfToken } = await requirePageSignIn();
  const { database, settings: host } = adminHost();
  const [record, models, allKeys] = await Promise.all([getCacheSettings(database.db), listModels(database.db), listKeys(database.db)]);
  const keys = allKeys.filter((key) => key.revokedAt === null);
  const sharedScopes = [...new Set(keys.flatMap((key) => (key.cache?.scope === undefined ? [] : [key.cache.scope])))].sort();
  const value = record?.value;
  const effective = resolveCacheSettings(value, null, null);
  const isAdmin = session.role === 'admin';
  const fromFile = record?.source === 'file';
  const editable = isAdmin && !fromFile;
  const modelsWithOwn = models.filter((model) => model.cache);
  return (
    <>
      <h1>Cache</h1>
      <p className="muted">
        The defaults apply to every model and key without cache settings of their own; a model&apos;s <code>cache</code> (on the Models page) and a key&apos;s override them field by field. Validated as{' '}
        <code>cache:</code> in gateway.yaml; a change reaches the running services at once.
      </p>
      {!isAdmin && <p className="readonly-note">You are signed in as a viewer: you can see everything but change nothing.</p>}
      <div className="panel" data-testid="cache-effective">
        <h2>
          Effective defaults{' '}
          {fromFile ? (
            <span className="badge file" data-testid="cache-source">
              gateway.yaml · read-only
            </span>
          ) : (
            <span className="badge" data-testid="cache-source">
              {record ? 'dashboard / API' : 'built-in'}
            </span>
          )}
        </h2>
        <dl className="facts">
          <dt>mode</dt>
          <dd>{effective.mode}</dd>
          <dt>TTL</dt>
          <dd>{effective.ttlSeconds} s</dd>
          <dt>semantic threshold</dt>
          <dd>{effective.threshold}</dd>
          <dt>embedder</dt>
          <dd>{effective.embedder}</dd>
          <dt>set</dt>
          <dd>{value ? <code>{JSON.stringify(value)}</code> : <span className="muted">nothing: the built-in values</span>}</dd>
          <dt>updated</dt>
          <dd>{record ? formatTime(record.updatedAt) : <span className="muted">never</span>}</dd>
        </dl>
        {fromFile && (
          <p className="muted">
            Set in <code>{host.configSource}</code>; change them in the file.
          </p>
        )}
      </div>
      {editable && (
        <div className="panel">
          <h2>Change the defaults</h2>
          <p className="muted">An empty field is not set: the built-in value applies ({builtInCacheSettings.mode}, {builtInCacheSettings.ttlSeconds} s, threshold 0.99 with the local embedder, 0.95 with a model).</p>
          <ActionForm action={saveCacheSettingsAction} csrf={csrfToken} submitLabel="Save defaults" testId="cache-settings-form">
            <div className="form-grid">
              <label>
                Mode
                <select name="mode" defaultValue={value?.mode ?? ''}>
                  <option value="">(built-in: {builtInCacheSettings.mode})</option>
                  <option value="off">off</option>
                  <option value="exact">exact</option>
                  <option value="semantic">semantic</option>
                </select>
              </label>
              <label>
                TTL (seconds, at most 30 days)
                <input name="ttl" type="number" min={1} step="any" defaultValue={value?.ttl ?? ''} />
              </label>
              <label>
                Semantic threshold (0 to 1)
                <input name="threshold" type="number" min={0} max={1} step="any" defaultValue={value?.semantic?.threshold ?? ''} />
              </label>
              <label>
                Embedder (&quot;{localEmbedder}&quot; or an embeddings model)
                <input name="embedder" list="cache-embedders" defaultValue={value?.semantic?.embedder ?? ''} />
                <datalist id="cache-embedders">
                  <option value={localEmbedder} />
                  {models.map((model) => (
                    <option key={model.name} value={model.name} />
                  ))}
                </datalist>
              </label>
            </div>
          </ActionForm>
        </div>
      )}
      <div className="panel">
        <h2>Models with cache settings of their own</h2>
        {modelsWithOwn.length === 0 ? (
          <p className="muted">None: every model uses the defaults.</p>
        ) : (
          <ul>
            {modelsWithOwn.map((model) => (
              <li key={model.name}>
                <strong>{model.name}</strong> <code>{JSON.stringify(model.cache)}</code>
              </li>
            ))}
          </ul>
        )}
      </div>
      {isAdmin && (
        <div className="panel">
          <h2>Purge cached answers</h2>
          <p className="muted">
            Purged answers are never served again; the cache service retires them at once, wherever they are stored. A key&apos;s answers are those of its cache scope: its own, or the shared scope (<code>cache.scope</code>) it names, which every key in that scope shares.
          </p>
          <ActionForm action={purgeCacheAction} csrf={csrfToken} submitLabel="Purge" variant="danger" confirm="Purge these cached answers?" testId="cache-purge-form">
            <div className="form-grid">
              <label>
                What
                <select name="target" defaultValue="model">
                  <option value="model">one model</option>
                  <option value="key">one key (its cache scope)</option>
                  <option value="scope">one shared scope</option>
                  <option value="all">everything</option>
                </select>
              </label>
              <label>
                Model
                <select name="model" defaultValue={models[0]?.name ?? ''}>
                  {models.map((model) => (
                    <option key={model.name} value={model.name}>
                      {model.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Key
                <select name="key" defaultValue={keys[0]?.id ?? ''}>
                  {keys.map((key) => (
                    <option key={key.id} value={key.id}>
                      {key.name} ({key.keyPrefix}…){key.cache?.scope === undefined ? '' : ` · scope ${key.cache.scope}`}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Shared scope
                <select name="scope" defaultValue={sharedScopes[0] ?? ''}>
                  {sharedScopes.map((scope) => (
                    <option key={scope} value={scope}>
                      {scope}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          </ActionForm>
        </div>
      )}
    </>
  );
}
