import { listModels, type ModelRecord } from '@gateway/db';
import { ActionForm } from '../../../components/action-form.tsx';
import { Conditions, RetryPolicy, RoutingTargets } from '../../../components/routing-targets.tsx';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { formatTime } from '../../../lib/format.ts';
import { routingText } from '../../../lib/forms/routing-form.ts';
import type { LiveState } from '../../../lib/routing/deployment-health.ts';
import { readLiveState, routerHealthTimeoutMs } from '../../../lib/routing/router-health.ts';
import { formatDuration, routingView } from '../../../lib/routing/routing-view.ts';
import { saveRoutingAction } from './actions.ts';

export const dynamic = 'force-dynamic';

function LiveNote({ live }: { live: LiveState }) {
  const text = {
    live: `Live state of each deployment as the routers plan with it (shared by every API replica), read ${formatTime(new Date(live.kind === 'live' ? live.at : 0))}.`,
    untracked: 'The router runs without the shared deployment state: it plans as if every deployment were idle, unmeasured and healthy.',
    unavailable: 'The router could not report the deployments’ live state (the shared state could not be read); see the router’s log.',
    unreachable: `Live deployment state: router not reachable (no router answered router.v1.health within ${formatDuration(routerHealthTimeoutMs)}).`,
  }[live.kind];
  return (
    <p className={live.kind === 'live' ? 'muted' : 'readonly-note'} data-testid="routing-live" data-state={live.kind}>
      {text}
    </p>
  );
}

function ModelRouting({ model, live, editable, csrf }: { model: ModelRecord; live: LiveState; editable: boolean; csrf: string }) {
  const result = routingView(model);
  return (
    <section className="panel" data-model={model.name}>
      <h2>
        {model.name}{' '}
        <span className="badge accent" data-testid="routing-strategy">
          {model.strategy}
        </span>{' '}
        {model.source === 'file' ? <span className="badge file">gateway.yaml · read-only</span> : <span className="badge">dashboard / API</span>}
      </h2>
      {result.ok ? (
        <>
          <dl className="facts">
            <dt>deadline</dt>
            <dd>{result.view.deadlineMs === undefined ? <span className="muted">none (a client may set x-gateway-timeout-ms)</span> : formatDuration(result.view.deadlineMs)}</dd>
            <dt>hedging</dt>
            <dd>{result.view.hedgeAfterMs === undefined ? <span className="muted">off</span> : `after ${formatDuration(result.view.hedgeAfterMs)} without an answer, one duplicate to the next target`}</dd>
            <dt>retry (model)</dt>
            <dd>
              <RetryPolicy retry={result.view.retry} />
            </dd>
            {result.view.conditions.length > 0 && (
              <>
                <dt>conditions</dt>
                <dd>
                  <Conditions conditions={result.view.conditions} fallback={result.view.default} />
                </dd>
              </>
            )}
            <dt>updated</dt>
            <dd>{formatTime(model.updatedAt)}</dd>
          </dl>
          <RoutingTargets
            live={live}
            sections={[
              { targets: result.view.targets },
              ...(result.view.fallbacks.contextWindow.length > 0 ? [{ title: 'fallbacks when the context window is exceeded', targets: result.view.fallbacks.contextWindow }] : []),
              ...(result.view.fallbacks.contentPolicy.length > 0 ? [{ title: 'fallbacks when a target refuses on content policy', targets: result.view.fallbacks.contentPolicy }] : []),
            ]}
          />
        </>
      ) : (
        <p className="message error">This routing does not validate, so the router leaves the model out: {result.message}</p>
      )}
      {editable && (
        <details>
          <summary>edit routing</summary>
          <ActionForm action={saveRoutingAction} csrf={csrf} submitLabel="Save routing" testId="routing-form">
            <input type="hidden" name="name" value={model.name} />
            <label>
              Routing (JSON: strategy, targets, retry, timeout_ms, hedge, fallbacks, conditions, default)
              <textarea name="routing" rows={14} defaultValue={routingText(model)} style={{ width: '100%' }} />
            </label>
          </ActionForm>
        </details>
      )}
    </section>
  );
}

/** Each model's routing in a readable form, with the deployments' live state; admins edit a model's routing alone. */
export default async function RoutingPage() {
  const { session, csrfToken } = await requirePageSignIn();
  const { database, settings } = adminHost();
  const [models, live] = await Promise.all([listModels(database.db), readLiveState()]);
  const isAdmin = session.role === 'admin';
  return (
    <>
      <h1>Routing</h1>
      <p className="muted">
        How each model&apos;s requests reach its deployments: the strategy, the targets with their weights and nested groups, retry, timeouts, hedging, fallbacks and conditions
        (see docs/routing.md). A deployment&apos;s retry policy is merged field by field from the target, its groups and the model; what none sets is the default (in grey). Edited as
        JSON in gateway.yaml&apos;s shape and validated the same way; the model&apos;s price, cache settings and guardrail policies stay as they are (the Models page edits
        them). A saved change reaches the routers at once. Models marked <span className="badge file">gateway.yaml</span> come from <code>{settings.configSource}</code>{' '}
        and are read-only here.
      </p>
      {!isAdmin && <p className="readonly-note">You are signed in as a viewer: you can see everything but change nothing.</p>}
      <LiveNote live={live} />
      {models.length === 0 && <p className="muted">No models yet: add one on the Models page.</p>}
      {models.map((model) => (
        <ModelRouting key={model.id} model={model} live={live} editable={isAdmin && model.source === 'api'} csrf={csrfToken} />
      ))}
    </>
  );
}
