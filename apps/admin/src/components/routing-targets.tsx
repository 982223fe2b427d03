import { Fragment } from 'react';
import type { LiveState } from '../lib/routing/deployment-health.ts';
import { healthView } from '../lib/routing/deployment-health.ts';
import { formatDuration, retryParts, type ConditionView, type DeploymentView, type EffectiveRetry, type TargetView } from '../lib/routing/routing-view.ts';

/** A retry policy field by field, each with the layer that set it; the defaults (set by no layer) in grey. */
export function RetryPolicy({ retry }: { retry: EffectiveRetry }) {
  return (
    <>
      {retryParts(retry).map((part, index) => (
        <Fragment key={part.text}>
          {index > 0 && ' · '}
          {part.from === 'default' ? (
            <span className="muted" data-from="default" title="the default: no layer sets it">
              {part.text}
            </span>
          ) : (
            <span data-from={part.from}>
              {part.text} <small className="muted">({part.from})</small>
            </span>
          )}
        </Fragment>
      ))}
    </>
  );
}

/** The rules of a conditional group or model: the first `when` that matches picks `then`. */
export function Conditions({ conditions, fallback }: { conditions: readonly ConditionView[]; fallback?: string | undefined }) {
  if (conditions.length === 0) return null;
  return (
    <ol style={{ margin: '0.25rem 0 0', paddingLeft: '1.25rem' }}>
      {conditions.map((condition, index) => (
        <li key={index}>
          when <code>{condition.when}</code> → <strong>{condition.then}</strong>
        </li>
      ))}
      <li>otherwise → {fallback === undefined ? <span className="muted">the targets in order</span> : <strong>{fallback}</strong>}</li>
    </ol>
  );
}

function limits(deployment: DeploymentView): string {
  const parts = [
    deployment.rpm === undefined ? undefined : `${deployment.rpm} rpm`,
    deployment.tpm === undefined ? undefined : `${deployment.tpm} tpm`,
    deployment.timeouts.requestMs === undefined ? undefined : `timeout ${formatDuration(deployment.timeouts.requestMs)}`,
    deployment.timeouts.ttftMs === undefined ? undefined : `first token ${formatDuration(deployment.timeouts.ttftMs)}`,
    deployment.timeouts.idleMs === undefined ? undefined : `idle ${formatDuration(deployment.timeouts.idleMs)}`,
    deployment.price === undefined ? undefined : `$${deployment.price.input} / $${deployment.price.output} per M`,
  ];
  return parts.filter((part) => part !== undefined).join(' · ');
}

/** A target's path, breakable after each dot (`fallbacks.context_window.0` would widen the column). */
function Path({ path }: { path: string }) {
  return (
    <>
      {path.split('.').map((part, index) => (
        <Fragment key={index}>
          {index > 0 && (
            <>
              .<wbr />
            </>
          )}
          {part}
        </Fragment>
      ))}
    </>
  );
}

function flatten(targets: readonly TargetView[], depth: number): Array<{ target: TargetView; depth: number }> {
  return targets.flatMap((target) => [{ target, depth }, ...(target.kind === 'group' ? flatten(target.targets, depth + 1) : [])]);
}

/**
 * A model's targets as a tree (nested groups indented under their strategy), each deployment with its
 * weight, limits, timeouts, effective retry policy and, when a router reported it, its live state.
 */
export function RoutingTargets({ sections, live }: { sections: Array<{ title?: string; targets: readonly TargetView[] }>; live: LiveState }) {
  const showLive = live.kind === 'live';
  const columns = showLive ? 7 : 5;
  return (
    <div className="table-wrap">
      <table data-testid="routing-targets">
        <thead>
          <tr>
            <th>path</th>
            <th>target</th>
            <th className="num">weight</th>
            <th>limits · timeouts · price</th>
            <th>retry</th>
            {showLive && (
              <>
                <th>state</th>
                <th className="num" style={{ whiteSpace: 'normal' }}>
                  in flight · latency EWMA · this minute
                </th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {sections.map((section, sectionIndex) => [
            section.title === undefined ? null : (
              <tr key={`section-${sectionIndex}`}>
                <th colSpan={columns}>{section.title}</th>
              </tr>
            ),
            ...flatten(section.targets, 0).map(({ target, depth }) => {
              const indent = { paddingLeft: `${0.75 + depth * 1.5}rem` };
              if (target.kind === 'group') {
                return (
                  <tr key={target.path} data-path={target.path}>
                    <td className="mono">
                      <Path path={target.path} />
                    </td>
                    <td style={indent}>
                      group{target.name === undefined ? '' : ` ${target.name}`} · <strong>{target.strategy}</strong>
                      <Conditions conditions={target.conditions} fallback={target.default} />
                    </td>
                    <td className="num">{target.weight}</td>
                    <td colSpan={columns - 3} className="muted">
                      its members, in its own order
                    </td>
                  </tr>
                );
              }
              const health = live.kind === 'live' ? healthView(live.deployments.get(`${target.provider}/${target.model}`), live.at) : undefined;
              return (
                <tr key={target.path} data-path={target.path} data-deployment={`${target.provider}/${target.model}`}>
                  <td className="mono">
                    <Path path={target.path} />
                  </td>
                  <td style={{ ...indent, whiteSpace: 'nowrap' }}>
                    <strong>
                      {target.provider}/{target.model}
                    </strong>
                    {target.name === undefined ? null : <span className="muted"> ({target.name})</span>}
                  </td>
                  <td className="num">{target.weight}</td>
                  <td style={{ minWidth: '8rem' }}>{limits(target) || <span className="muted">—</span>}</td>
                  <td style={{ minWidth: '18rem' }}>
                    <RetryPolicy retry={target.retry} />
                  </td>
                  {health && (
                    <>
                      <td data-testid="deployment-state" style={{ minWidth: '12rem' }}>
                        {health.ejected ? (
                          <>
                            <span className="badge error">ejected</span> <small>{health.ejection}</small>
                          </>
                        ) : (
                          <span className="badge ok">healthy</span>
                        )}
                      </td>
                      <td className="num">
                        <div>
                          <span data-testid="deployment-in-flight">{health.inFlight}</span> in flight
                        </div>
                        <div data-testid="deployment-latency">{health.latency}</div>
                        <div data-testid="deployment-per-minute">{health.perMinute}</div>
                      </td>
                    </>
                  )}
                </tr>
              );
            }),
          ])}
        </tbody>
      </table>
    </div>
  );
}
