import Link from 'next/link';
import { listAdminUsage } from '@gateway/db';
import { UsageFilters } from '../../../components/usage-filters.tsx';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { loadFacets } from '../../../lib/data/facets.ts';
import { filterQuery, parseFilters, pinnedFilterQuery, type SearchParams } from '../../../lib/data/filters.ts';
import { worstVerdict } from '../../../lib/data/guardrail-verdict.ts';
import { formatCount, formatMs, formatTime, formatUsd } from '../../../lib/format.ts';

export const dynamic = 'force-dynamic';

function guardrailBadge(verdict: ReturnType<typeof worstVerdict>) {
  if (verdict === null) return <span className="muted">none</span>;
  return <span className={`badge ${verdict === 'deny' ? 'error' : verdict === 'pass' ? 'ok' : 'file'}`}>{verdict}</span>;
}

const pageSize = 50;

export default async function RequestsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageSignIn();
  const now = new Date();
  const parsed = parseFilters(await searchParams, { now });
  const db = adminHost().database.db;
  let cursor = parsed.cursor;
  let cursorProblem: string | undefined;
  const [page, facets] = await Promise.all([
    listAdminUsage(db, parsed.filters, { limit: pageSize, ...(cursor ? { cursor } : {}) }).catch((error: unknown) => {
      if (!(error instanceof RangeError)) throw error;
      cursorProblem = 'That page link is not valid any more; showing the newest requests.';
      cursor = undefined;
      return listAdminUsage(db, parsed.filters, { limit: pageSize });
    }),
    loadFacets({ ...(parsed.filters.from ? { from: parsed.filters.from } : {}), ...(parsed.filters.to ? { to: parsed.filters.to } : {}) }),
  ]);
  return (
    <>
      <h1>Requests</h1>
      <UsageFilters parsed={parsed} facets={facets} extended />
      {cursorProblem && <p className="message error">{cursorProblem}</p>}
      <div className="table-wrap">
        <table data-testid="requests-table">
          <thead>
            <tr>
              <th>time (UTC)</th>
              <th>request</th>
              <th>key</th>
              <th>model → target</th>
              <th>status</th>
              <th className="num">latency</th>
              <th className="num">tokens in / out</th>
              <th className="num">cost</th>
              <th>cache</th>
              <th>guardrails</th>
              <th>flags</th>
            </tr>
          </thead>
          <tbody>
            {page.entries.length === 0 && (
              <tr>
                <td colSpan={11} className="muted">
                  No request matches these filters.
                </td>
              </tr>
            )}
            {page.entries.map((entry) => (
              <tr key={entry.requestId}>
                <td className="mono">{formatTime(entry.createdAt).replace(' UTC', '')}</td>
                <td className="mono">
                  <Link href={`/requests/${encodeURIComponent(entry.requestId)}`}>{entry.requestId}</Link>
                </td>
                <td>{entry.keyId ? (facets.keyNames.get(entry.keyId) ?? entry.keyId) : <span className="muted">none</span>}</td>
                <td>
                  {entry.model ?? <span className="muted">—</span>}
                  {entry.provider && (
                    <span className="muted">
                      {' '}
                      → {entry.provider}/{entry.providerModel}
                    </span>
                  )}
                </td>
                <td>
                  <span className={`badge ${entry.status >= 400 ? 'error' : 'ok'}`}>{entry.status}</span>
                  {entry.errorCode && <span className="muted"> {entry.errorCode}</span>}
                </td>
                <td className="num">{formatMs(entry.latencyMs)}</td>
                <td className="num">
                  {formatCount(entry.inputTokens)} / {formatCount(entry.outputTokens)}
                </td>
                <td className="num">{formatUsd(entry.costUsd)}</td>
                <td>{entry.cacheStatus ? <span className={`badge ${entry.cacheStatus.endsWith('hit') ? 'ok' : ''}`}>{entry.cacheStatus.replace('_', ' ')}</span> : <span className="muted">off</span>}</td>
                <td>{guardrailBadge(worstVerdict(entry.guardrails))}</td>
                <td>
                  {entry.stream && <span className="badge">stream</span>}{' '}
                  {entry.flags.map((flag) => (
                    <span key={flag} className="badge">
                      {flag}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        {cursor && <Link href={`/requests?${filterQuery(parsed)}`}>↑ Newest</Link>}
        {page.nextCursor && (
          <Link href={`/requests?${pinnedFilterQuery(parsed, now, { cursor: page.nextCursor })}`} data-testid="older-page">
            Older →
          </Link>
        )}
      </div>
    </>
  );
}
