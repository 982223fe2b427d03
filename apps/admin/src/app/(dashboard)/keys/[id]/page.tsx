import Link from 'next/link';
import { notFound } from 'next/navigation';
import { aggregateAdminUsage, getKey, keyState, listGuardrailPolicies } from '@gateway/db';
import { ActionForm } from '../../../../components/action-form.tsx';
import { KeyFields } from '../../../../components/key-fields.tsx';
import { adminHost } from '../../../../host.ts';
import { requirePageSignIn } from '../../../../lib/auth/session.ts';
import { keySpend } from '../../../../lib/data/key-spend.ts';
import { formatCount, formatMs, formatPercent, formatTime, formatUsd } from '../../../../lib/format.ts';
import { revokeKeyAction, updateKeyAction } from '../actions.ts';

export const dynamic = 'force-dynamic';

export default async function KeyPage({ params }: { params: Promise<{ id: string }> }) {
  const { session, csrfToken } = await requirePageSignIn();
  const id = decodeURIComponent((await params).id);
  const db = adminHost().database.db;
  const record = await getKey(db, id);
  if (!record) notFound();
  const now = new Date();
  const [day, spend, policies] = await Promise.all([
    aggregateAdminUsage(db, { keyId: id, from: new Date(now.getTime() - 86_400_000), to: now }),
    keySpend(db, [record], now),
    listGuardrailPolicies(db),
  ]);
  const spent = spend.get(id);
  const state = keyState(record, now);
  const isAdmin = session.role === 'admin';
  return (
    <>
      <p>
        <Link href="/keys">← Keys</Link>
      </p>
      <h1>
        {record.name} <span className={`badge ${state === 'active' ? 'ok' : 'error'}`}>{state}</span>
      </h1>
      <div className="cards">
        <div className="card">
          <div className="label">Requests, 24 h</div>
          <div className="value">{formatCount(day.requests)}</div>
          <div className="hint">
            <Link href={`/requests?${new URLSearchParams({ range: '24h', key: id })}`} data-testid="key-requests-link">
              see them in the log
            </Link>
          </div>
        </div>
        <div className="card">
          <div className="label">Error rate, 24 h</div>
          <div className="value">{formatPercent(day.requests === 0 ? null : day.errors / day.requests)}</div>
        </div>
        <div className="card">
          <div className="label">p95 latency, 24 h</div>
          <div className="value">{formatMs(day.p95LatencyMs)}</div>
        </div>
        <div className="card">
          <div className="label">{record.limits.budget ? `Spend this ${record.limits.budget.period.replace('ly', '').replace('dai', 'day')}` : 'Spend, 30 days'}</div>
          <div className="value">{formatUsd(spent?.usd ?? 0)}</div>
          <div className="hint">{record.limits.budget ? `of ${formatUsd(record.limits.budget.maxUsd)} since ${formatTime(spent?.since)}` : 'no budget'}</div>
        </div>
      </div>
      <div className="panel">
        <dl className="facts">
          <dt>id</dt>
          <dd className="mono">{record.id}</dd>
          <dt>key</dt>
          <dd className="mono">{record.keyPrefix}… (the whole key was shown once, at creation)</dd>
          <dt>created</dt>
          <dd>{formatTime(record.createdAt)}</dd>
          <dt>last used</dt>
          <dd>{formatTime(record.lastUsedAt)}</dd>
          <dt>revoked</dt>
          <dd>{formatTime(record.revokedAt)}</dd>
        </dl>
      </div>
      {isAdmin ? (
        <>
          <div className="panel">
            <h2 style={{ marginTop: 0 }}>Settings</h2>
            <ActionForm action={updateKeyAction} csrf={csrfToken} submitLabel="Save" testId="edit-key-form">
              <input type="hidden" name="id" value={record.id} />
              <KeyFields record={record} policies={policies.map((policy) => policy.name)} />
            </ActionForm>
          </div>
          {state !== 'revoked' && (
            <ActionForm action={revokeKeyAction} csrf={csrfToken} submitLabel="Revoke this key" variant="danger" confirm={`Revoke "${record.name}"? Clients using it will be refused.`}>
              <input type="hidden" name="id" value={record.id} />
            </ActionForm>
          )}
        </>
      ) : (
        <div className="panel">
          <h2 style={{ marginTop: 0 }}>Settings</h2>
          <pre>
            {JSON.stringify({ models: record.models, strict: record.strict, limits: record.limits, model_limits: record.modelLimits, guardrails: record.guardrails, log_bodies: record.logBodies, cache: record.cache, expires_at: record.expiresAt, metadata: record.metadata }, null, 2)}
          </pre>
        </div>
      )}
    </>
  );
}
