import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getAdminUsageEntry, getKey } from '@gateway/db';
import { adminHost } from '../../../../host.ts';
import { requirePageSignIn } from '../../../../lib/auth/session.ts';
import { worstVerdict } from '../../../../lib/data/guardrail-verdict.ts';
import { formatCount, formatMs, formatTime, formatUsd } from '../../../../lib/format.ts';

export const dynamic = 'force-dynamic';

/**
 * One request. Everything logged is rendered as React text (escaped), never as HTML: a prompt or
 * metadata value holding markup shows as the characters it is made of.
 */
export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageSignIn();
  const { id } = await params;
  const db = adminHost().database.db;
  const entry = await getAdminUsageEntry(db, decodeURIComponent(id));
  if (!entry) notFound();
  const key = entry.keyId ? await getKey(db, entry.keyId) : undefined;
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
          </li>
          <li>Usage recorded: {formatCount(entry.inputTokens + entry.outputTokens)} tokens, {formatUsd(entry.costUsd)}</li>
        </ol>
      </div>
      <h2>Metadata</h2>
      <pre data-testid="request-metadata">{JSON.stringify(entry.metadata, null, 2)}</pre>
      <h2>Prompt and completion</h2>
      <p className="muted">Bodies are not logged by the gateway yet; when a key enables body logging they will show here, as text.</p>
    </>
  );
}
