import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { AttemptLogEntry } from '@gateway/contracts';
import { getAdminUsageEntry, getKey, getUsageBodies } from '@gateway/db';
import { adminHost } from '../../../../host.ts';
import { requirePageSignIn } from '../../../../lib/auth/session.ts';
import { worstVerdict } from '../../../../lib/data/guardrail-verdict.ts';
import { requestBodiesView } from '../../../../lib/data/request-bodies.ts';
import { formatCount, formatMs, formatTime, formatUsd } from '../../../../lib/format.ts';

export const dynamic = 'force-dynamic';

/** Why an attempt was made: a target's first call, a retry of it, a hedge, or a dedicated fallback. */
function attemptReason(attempt: AttemptLogEntry): string {
  const reasons = [
    attempt.retry !== undefined ? `retry ${attempt.retry}` : 'first call',
    ...(attempt.hedge ? ['hedge'] : []),
    ...(attempt.fallback !== undefined ? [`${attempt.fallback.replace('_', ' ')} fallback`] : []),
  ];
  return reasons.join(' · ');
}

/**
 * Each provider attempt with its target, start, latency and status, and a bar placing it on the
 * request's own time line (0 to the request's total latency).
 */
function AttemptTable({ attempts, totalMs }: { attempts: AttemptLogEntry[]; totalMs: number }) {
  const span = Math.max(totalMs, ...attempts.map((attempt) => attempt.startMs + attempt.latencyMs), 1);
  const percent = (ms: number) => `${Math.min(100, Math.max(0, (ms / span) * 100)).toFixed(2)}%`;
  return (
    <div className="table-wrap">
      <table data-testid="attempt-log">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>target</th>
            <th>why</th>
            <th className="num">started</th>
            <th className="num">latency</th>
            <th>status</th>
            <th className="waterfall-col">on the request&apos;s time line</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt, index) => (
            <tr key={index} data-testid="attempt">
              <td className="num">{index + 1}</td>
              <td>
                {attempt.provider} / {attempt.model}
              </td>
              <td>{attemptReason(attempt)}</td>
              <td className="num">+{formatMs(attempt.startMs)}</td>
              <td className="num">{formatMs(attempt.latencyMs)}</td>
              <td>
                <span className={`badge ${attempt.status >= 400 ? 'error' : 'ok'}`}>{attempt.status}</span> {attempt.errorCode ?? ''}
              </td>
              <td className="waterfall-col">
                <div className="waterfall" aria-hidden="true">
                  <div className={`waterfall-bar ${attempt.status >= 400 ? 'error' : 'ok'}`} style={{ marginLeft: percent(attempt.startMs), width: percent(Math.max(attempt.latencyMs, span / 200)) }} />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * One request. Everything logged is rendered as React text (escaped), never as HTML: a prompt,
 * completion or metadata value holding markup shows as the characters it is made of.
 */
export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageSignIn();
  const { id } = await params;
  const db = adminHost().database.db;
  const entry = await getAdminUsageEntry(db, decodeURIComponent(id));
  if (!entry) notFound();
  const [key, bodies] = await Promise.all([entry.keyId ? getKey(db, entry.keyId) : undefined, getUsageBodies(db, entry.requestId)]);
  const logged = requestBodiesView(bodies, key);
  const upstreamMs = Math.max(0, entry.latencyMs - entry.overheadMs);
  return (
    <>
      <p>
        <Link href="/requests">← Requests</Link>
      </p>
      <h1 className="mono">{entry.requestId}</h1>
      <div className="panel">
        <dl className="facts" data-testid="request-facts">
          <dt>time</dt>
          <dd>{formatTime(entry.createdAt)}</dd>
          <dt>client request id</dt>
          <dd className="mono">{entry.clientRequestId ?? '—'}</dd>
          <dt>key</dt>
          <dd>{entry.keyId ? <Link href={`/keys/${encodeURIComponent(entry.keyId)}`}>{key ? `${key.name} (${entry.keyId})` : entry.keyId}</Link> : '—'}</dd>
          <dt>endpoint</dt>
          <dd>
            {entry.endpoint}
            {entry.stream ? ' (stream)' : ''}
          </dd>
          <dt>model</dt>
          <dd>{entry.model ?? '—'}</dd>
          <dt>served by</dt>
          <dd>{entry.provider ? `${entry.provider} / ${entry.providerModel ?? '?'}` : '—'}</dd>
          <dt>status</dt>
          <dd>
            <span className={`badge ${entry.status >= 400 ? 'error' : 'ok'}`}>{entry.status}</span> {entry.errorCode ?? ''}
          </dd>
          <dt>tokens</dt>
          <dd>
            {formatCount(entry.inputTokens)} in ({formatCount(entry.cachedInputTokens)} from the provider&apos;s prompt cache) · {formatCount(entry.outputTokens)} out (
            {formatCount(entry.reasoningTokens)} reasoning)
          </dd>
          <dt>cost</dt>
          <dd>{formatUsd(entry.costUsd)}</dd>
        </dl>
      </div>
      <h2>Timeline</h2>
      <div className="panel">
        <ol className="timeline" data-testid="request-timeline">
          <li className={entry.guardrails ? undefined : 'pending'} data-testid="guardrail-step">
            {entry.guardrails === null ? (
              'Guardrails: no policy applied'
            ) : (
              <>
                Guardrails: <strong>{worstVerdict(entry.guardrails)}</strong>
                <ul className="verdicts">
                  {entry.guardrails.map((verdict) => (
                    <li key={`${verdict.policy}-${verdict.index}-${verdict.check}`}>
                      {verdict.policy} · {verdict.check} (#{verdict.index + 1}, action {verdict.action}): <span className={`badge ${verdict.verdict === 'deny' ? 'error' : verdict.verdict === 'pass' ? 'ok' : 'file'}`}>{verdict.verdict}</span>
                      {verdict.entities && Object.keys(verdict.entities).length > 0 && <span className="muted"> {Object.entries(verdict.entities).map(([entity, count]) => `${entity} ×${count}`).join(', ')}</span>}
                      {verdict.score !== undefined && <span className="muted"> score {verdict.score.toFixed(2)}</span>}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </li>
          <li className={entry.cacheStatus ? undefined : 'pending'} data-testid="cache-step">
            {entry.cacheStatus === null
              ? 'Response cache: off for this request'
              : `Response cache: ${entry.cacheStatus.replace('_', ' ')}${entry.costSavedUsd !== null ? ` — saved ${formatUsd(entry.costSavedUsd)}` : ''}`}
          </li>
          <li>
            Router: strategy <strong>{entry.strategy ?? 'none'}</strong>
            {entry.routingReason && (
              <>
                {' — '}
                <span data-testid="routing-reason">{entry.routingReason}</span>
              </>
            )}
          </li>
          <li>
            {entry.attempts} attempt{entry.attempts === 1 ? '' : 's'}, ending at {entry.provider ?? 'no provider'} with status {entry.status}
            {entry.flags.length > 0 && <> · {entry.flags.join(', ')}</>}
            <div className="muted">
              {formatMs(entry.latencyMs)} in all: about {formatMs(upstreamMs)} upstream, {formatMs(entry.overheadMs)} in the gateway
            </div>
            {entry.attemptLog.length > 0 && <AttemptTable attempts={entry.attemptLog} totalMs={entry.latencyMs} />}
          </li>
          <li>Usage recorded: {formatCount(entry.inputTokens + entry.outputTokens)} tokens, {formatUsd(entry.costUsd)}</li>
        </ol>
      </div>
      <h2>Metadata</h2>
      <pre data-testid="request-metadata">{JSON.stringify(entry.metadata, null, 2)}</pre>
      {logged.kind === 'logged' ? (
        <>
          <p className="muted">
            Logged because the key logs bodies: the prompt as it went to the provider (after guardrail redaction), the completion as the client got it; secrets replaced by
            &lt;SECRET_n&gt;. {logged.note}
          </p>
          <section data-testid="request-prompt">
            <h2>Prompt</h2>
            {logged.bodies.promptTruncated && <p className="muted">Truncated: only the first 32,768 characters were kept.</p>}
            <pre>{logged.bodies.prompt ?? '—'}</pre>
          </section>
          <section data-testid="request-completion">
            <h2>Completion</h2>
            {logged.bodies.completionTruncated && <p className="muted">Truncated: only the first 32,768 characters were kept.</p>}
            {logged.bodies.completion === null ? <p className="muted">No completion: the request ended without an answer.</p> : <pre>{logged.bodies.completion}</pre>}
          </section>
        </>
      ) : (
        <>
          <h2>Prompt and completion</h2>
          <p className="muted" data-testid="request-bodies-note">
            {logged.message}
          </p>
        </>
      )}
    </>
  );
}
